package org.wildfly.mlt.webapi;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

@ApplicationPath("/")
public class WebapiApplication extends Application {
}
