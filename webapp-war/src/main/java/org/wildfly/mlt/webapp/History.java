package org.wildfly.mlt.webapp;

import java.util.List;

/** webapi's GET /history: the newest additions first. */
public record History(List<Calculation> additions) {
}
