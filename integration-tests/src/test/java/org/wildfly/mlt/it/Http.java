package org.wildfly.mlt.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** HTTP calls to the server under test, on its loopback addresses. */
public final class Http {

    public static final String APP = "http://127.0.0.1:8080";
    public static final String MANAGEMENT = "http://127.0.0.1:9990";
    public static final String WEBAPP_METRICS = "http://127.0.0.1:9464/metrics";
    public static final String WEBAPI_METRICS = "http://127.0.0.1:9465/metrics";

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Http() {
    }

    public static HttpResponse<String> get(String url, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET(), headers);
    }

    /** A GET that may take longer than the usual 10 s (a bound the test itself asserts). */
    public static HttpResponse<String> get(String url, Duration timeout) {
        return sendWithin(HttpRequest.newBuilder(URI.create(url)).GET(), timeout);
    }

    public static HttpResponse<String> send(HttpRequest.Builder request, String... headers) {
        return sendWithin(request, Duration.ofSeconds(10), headers);
    }

    private static HttpResponse<String> sendWithin(HttpRequest.Builder request, Duration timeout, String... headers) {
        request.timeout(timeout);
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
