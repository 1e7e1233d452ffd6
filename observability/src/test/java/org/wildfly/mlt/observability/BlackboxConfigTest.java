package org.wildfly.mlt.observability;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** blackbox.yml: valid for the exporter, and its http_health module tells an UP health answer from others. */
class BlackboxConfigTest {

    @Test
    void configIsValid() {
        String output = ExternalTool.BLACKBOX_EXPORTER.runOk(ObservabilityFiles.path("blackbox"),
                "--config.check", "--config.file=blackbox.yml");
        assertTrue(output.contains("Config file is ok"), output);
    }

    @Test
    void healthModuleWantsStatus200AndStatusUp() {
        JsonNode http = ObservabilityFiles.yaml("blackbox/blackbox.yml").path("modules").path("http_health").path("http");
        assertEquals("[200]", http.path("valid_status_codes").toString());
        // Go and Java agree on this regular expression's syntax; try it on MicroProfile Health answers.
        Pattern up = Pattern.compile(http.path("fail_if_body_not_matches_regexp").path(0).asText());
        assertTrue(up.matcher("{\"status\":\"UP\",\"checks\":[{\"name\":\"webapi\",\"status\":\"UP\"}]}").find());
        assertTrue(up.matcher("{\n  \"status\" : \"UP\",\n  \"checks\" : []\n}").find());
        assertFalse(up.matcher("{\"status\":\"DOWN\",\"checks\":[]}").find());
        assertFalse(up.matcher("<html>OK</html>").find());
    }

    @Test
    void prometheusProbesUseThisModule() {
        for (JsonNode job : ObservabilityFiles.yaml("prometheus/prometheus.yml").path("scrape_configs")) {
            if (job.path("metrics_path").asText().equals("/probe")) {
                assertEquals("[\"http_health\"]", job.path("params").path("module").toString(), job.path("job_name").asText());
            }
        }
    }
}
