package org.wildfly.mlt.web.telemetry;

import jakarta.interceptor.InterceptorBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * On a MicroProfile REST client interface: every call that fails without a response leaves the thread's trace context
 * as it found it ({@link ClientSpanScopeRepairInterceptor}).
 */
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface ClientSpanScopeRepair {
}
