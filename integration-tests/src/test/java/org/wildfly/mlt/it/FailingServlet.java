package org.wildfly.mlt.it;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Fails every request with an exception nothing maps, so that the servlet container writes its own error page. */
@WebServlet("/fail")
public class FailingServlet extends HttpServlet {

    static final String MESSAGE = "mlt-internal-detail";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
        throw new IllegalStateException(MESSAGE);
    }
}
