package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** alertmanager.yml: valid for amtool, routes each severity to its receiver, inhibits symptoms of a down host. */
class AlertmanagerConfigTest {

    private static final Path DIR = ObservabilityFiles.path("alertmanager");

    @Test
    void configIsValid() {
        ExternalTool.AMTOOL.runOk(DIR, "check-config", "alertmanager.yml");
    }

    @ParameterizedTest
    @CsvSource({"critical, pager", "warning, team", "info, low"})
    void severityChoosesTheReceiver(String severity, String receiver) {
        // --verify.receivers makes amtool exit non-zero when the route ends elsewhere.
        ExternalTool.AMTOOL.runOk(DIR, "config", "routes", "test", "--config.file=alertmanager.yml",
                "--verify.receivers=" + receiver, "alertname=HighErrorRatio", "severity=" + severity,
                "service=webapp", "env=prod");
    }

    @Test
    void groupsByAlertServiceAndEnv() {
        List<String> groupBy = new ArrayList<>();
        config().path("route").path("group_by").forEach(label -> groupBy.add(label.asText()));
        assertEquals(List.of("alertname", "service", "env"), groupBy);
    }

    @Test
    void aDownOrUnreadyHostSilencesItsErrorAndLatencyAlerts() {
        JsonNode rule = null;
        for (JsonNode inhibit : config().path("inhibit_rules")) {
            if (inhibit.path("source_matchers").toString().contains("ReadinessFailing")) {
                rule = inhibit;
            }
        }
        assertTrue(rule != null, "no inhibition with ReadinessFailing as source");
        assertTrue(rule.path("source_matchers").toString().contains("TargetDown"), rule.toString());
        assertTrue(rule.path("target_matchers").toString().contains("HighErrorRatio"), rule.toString());
        assertTrue(rule.path("target_matchers").toString().contains("HighLatencyP95"), rule.toString());
        assertEquals("[\"env\",\"host\"]", rule.path("equal").toString());
    }

    /** Every alert name an inhibition or route mentions exists, so a renamed alert cannot silently break them. */
    @Test
    void inhibitionsNameExistingAlerts() {
        String inhibitions = config().path("inhibit_rules").toString();
        List<String> names = AlertRules.alerts().stream().map(AlertRules.Alert::name).toList();
        for (String mentioned : List.of("TargetDown", "ReadinessFailing", "HighErrorRatio", "HighLatencyP95",
                "TelemetryPipelineSilent")) {
            assertTrue(inhibitions.contains(mentioned), mentioned);
            assertTrue(names.contains(mentioned), mentioned + " is not an alert");
        }
    }

    private static JsonNode config() {
        return ObservabilityFiles.yaml("alertmanager/alertmanager.yml");
    }
}
