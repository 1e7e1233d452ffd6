package org.wildfly.mlt.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** The HTTP API of the real Prometheus under test. */
public final class PrometheusApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;

    public PrometheusApi(String base) {
        this.base = base;
    }

    /** An instant query; the "data" node of a successful answer, or an AssertionError naming the error. */
    public JsonNode query(String promql) {
        return call("/api/v1/query?query=" + encode(promql), promql);
    }

    public JsonNode exemplars(String promql, long startSeconds, long endSeconds) {
        return call("/api/v1/query_exemplars?query=" + encode(promql) + "&start=" + startSeconds + "&end=" + endSeconds,
                promql);
    }

    public JsonNode targets() {
        return call("/api/v1/targets?state=active", "targets");
    }

    public JsonNode rules() {
        return call("/api/v1/rules", "rules");
    }

    private JsonNode call(String path, String what) {
        var response = Http.get(base + path);
        try {
            JsonNode body = JSON.readTree(response.body());
            if (!"success".equals(body.path("status").asText())) {
                throw new AssertionError("Prometheus rejected " + what + ": " + response.body());
            }
            return body.get("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
