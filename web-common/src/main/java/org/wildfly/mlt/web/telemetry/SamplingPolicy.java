package org.wildfly.mlt.web.telemetry;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Who decides whether a request is traced. OpenTelemetry's parent-based samplers follow the caller's sampled flag,
 * so a client that sends a {@code traceparent} switches tracing off (flag 00) or forces it (01) for its requests,
 * whatever the configured ratio. Unless the deployment sets {@value #HONOUR_CALLER} to true, the configured root
 * sampler (the ratio of {@code parentbased_traceidratio}) decides for callers from outside too; within the process
 * the parent's decision still counts, so the spans of one request agree. webapi, called by webapp, honours its
 * caller; webapp, the edge, does not.
 */
public class SamplingPolicy implements AutoConfigurationCustomizerProvider {

    static final String HONOUR_CALLER = "mlt.tracing.honour-caller-sampling";

    @Override
    public void customize(AutoConfigurationCustomizer autoConfiguration) {
        autoConfiguration.addSamplerCustomizer(SamplingPolicy::forCallers);
    }

    static Sampler forCallers(Sampler configured, ConfigProperties otel) {
        boolean honourCaller = ConfigProvider.getConfig(SamplingPolicy.class.getClassLoader())
                .getOptionalValue(HONOUR_CALLER, Boolean.class).orElse(false);
        if (honourCaller) {
            return configured;
        }
        Sampler root = switch (otel.getString("otel.traces.sampler", "parentbased_always_on")) {
            case "parentbased_traceidratio" -> Sampler.traceIdRatioBased(otel.getDouble("otel.traces.sampler.arg", 1.0));
            case "parentbased_always_on" -> Sampler.alwaysOn();
            case "parentbased_always_off" -> Sampler.alwaysOff();
            default -> null; // not parent-based: the caller's flag plays no part already
        };
        if (root == null) {
            return configured;
        }
        return Sampler.parentBasedBuilder(root).setRemoteParentSampled(root).setRemoteParentNotSampled(root).build();
    }
}
