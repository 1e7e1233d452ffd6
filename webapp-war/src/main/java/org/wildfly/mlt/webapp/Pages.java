package org.wildfly.mlt.webapp;

/** The HTML frame of webapp's pages. Bodies are built from numbers and constants only, never from request input. */
final class Pages {

    private Pages() {
    }

    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>" + title
                + "</title></head>\n<body>\n<h1>" + title + "</h1>\n" + body + "\n</body>\n</html>\n";
    }
}
