package org.wildfly.mlt.webapi;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Business metric: additions by outcome (exported as calculator_additions_total{outcome=...}). */
@ApplicationScoped
public class AdditionMetrics {

    private static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");
    private static final Attributes OK = Attributes.of(OUTCOME, "ok");
    private static final Attributes INVALID_OPERAND = Attributes.of(OUTCOME, "invalid_operand");
    private static final Attributes OVERFLOW = Attributes.of(OUTCOME, "overflow");

    @Inject
    Meter meter;

    private LongCounter additions;

    @PostConstruct
    void createInstruments() {
        additions = meter.counterBuilder("calculator.additions")
                .setDescription("Additions requested from webapi, by outcome")
                .setUnit("{addition}")
                .build();
    }

    void ok() {
        additions.add(1, OK);
    }

    void invalidOperand() {
        additions.add(1, INVALID_OPERAND);
    }

    void overflow() {
        additions.add(1, OVERFLOW);
    }
}
