package org.wildfly.mlt.webapi;

/** What GET / answers: which service this is and which build. */
public record ServiceInfo(String name, String version) {
}
