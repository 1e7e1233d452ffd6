package org.wildfly.mlt.web;

import jakarta.enterprise.context.RequestScoped;

/** The request id of the HTTP request being served, for code that forwards it (e.g. REST client headers). */
@RequestScoped
public class CurrentRequestId {

    private String value;

    public String value() {
        return value;
    }

    void set(String value) {
        this.value = value;
    }
}
