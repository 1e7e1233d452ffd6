package org.wildfly.mlt.webapp;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Business metric: calculations served by /service, by outcome (exported as webapp_calculations_total). */
@ApplicationScoped
public class CalculationMetrics {

    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("outcome");

    @Inject
    Meter meter;

    private LongCounter calculations;

    @PostConstruct
    void createInstruments() {
        calculations = meter.counterBuilder("webapp.calculations")
                .setDescription("Calculations requested through /service, by outcome")
                .setUnit("{calculation}")
                .build();
    }

    void record(WebapiOutcome outcome) {
        calculations.add(1, outcome.attributes());
    }
}
