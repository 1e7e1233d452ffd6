package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The services' contracts: what each endpoint answers, and how bad input is refused. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ServiceEndpointsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void serviceAnswersFourAsHtml() {
        HttpResponse<String> response = Http.get(Http.APP + "/webapp/service", "Accept", "text/html");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(response.body().contains("2 + 2 = 4"), response.body());
    }

    @Test
    void serviceAnswersFourAsJsonWhenAsked() throws Exception {
        HttpResponse<String> response = Http.get(Http.APP + "/webapp/service", "Accept", "application/json");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(2, body.get("a").asLong());
        assertEquals(2, body.get("b").asLong());
        assertEquals(4, body.get("result").asLong());
    }

    @Test
    void webappIndexIsHtml() {
        HttpResponse<String> response = Http.get(Http.APP + "/webapp/");
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("href=\"service\""), response.body());
    }

    @Test
    void addAnswersFour() throws Exception {
        JsonNode explicit = JSON.readTree(Http.get(Http.APP + "/webapi/add?a=2&b=2").body());
        assertEquals(JSON.readTree("{\"a\":2,\"b\":2,\"result\":4}"), explicit);
        JsonNode defaults = JSON.readTree(Http.get(Http.APP + "/webapi/add").body());
        assertEquals(4, defaults.get("result").asLong());
    }

    @Test
    void webapiInfoNamesTheService() throws Exception {
        JsonNode info = JSON.readTree(Http.get(Http.APP + "/webapi/").body());
        assertEquals("webapi", info.get("name").asText());
        assertFalse(info.get("version").asText().isBlank());
    }

    @ParameterizedTest(name = "a={0} b={1}")
    @CsvSource(value = {
            "x, 2",              // not a number
            "'', 2",             // present but empty
            "1.5, 2",            // not whole
            "2, 0x10",           // not decimal
            "99999999999999999999, 2", // beyond a long
            "9223372036854775807, 1",  // the sum overflows
            "١٢, 2",             // Arabic-Indic digits, which Long.parseLong would accept
            "<script>, 2"})      // hostile text must not come back
    void badOperandsAreRefusedWithProblemJson(String a, String b) throws Exception {
        String url = Http.APP + "/webapi/add?a=" + URLEncoder.encode(a, StandardCharsets.UTF_8)
                + "&b=" + URLEncoder.encode(b, StandardCharsets.UTF_8);
        HttpResponse<String> response = Http.get(url);
        assertProblem(response, 400);
        if (a.length() > 2) {
            assertFalse(response.body().contains(a), "problem echoes the input: " + response.body());
        }
    }

    @Test
    void unknownPathIsAProblem() throws Exception {
        assertProblem(Http.get(Http.APP + "/webapi/nothing-here"), 404);
    }

    @Test
    void unsupportedMethodIsAProblem() throws Exception {
        HttpResponse<String> response = Http.send(HttpRequest.newBuilder(URI.create(Http.APP + "/webapi/add"))
                .DELETE());
        assertProblem(response, 405);
    }

    static JsonNode assertProblem(HttpResponse<String> response, int status) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        JsonNode problem = JSON.readTree(response.body());
        assertEquals(status, problem.get("status").asInt());
        assertFalse(problem.get("title").asText().isBlank());
        assertFalse(response.body().contains("Exception"), "problem leaks a class name: " + response.body());
        return problem;
    }
}
