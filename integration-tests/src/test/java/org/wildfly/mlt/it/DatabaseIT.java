package org.wildfly.mlt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.as.controller.client.helpers.Operations;
import org.jboss.dmr.ModelNode;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** webapi's database, the real PostgreSQL of {@link Postgres}: rows, spans, pool and schema metrics, outages. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class DatabaseIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> WEBAPI_DS = Map.of("data_source", "WebapiDS");
    /** The bound for a failing dependency: the pool waits at most 0.5 s, a refused connection not at all. */
    private static final long FAST_MS = 1500;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** The application_name of the psql session that holds the table lock in the pool-exhaustion test. */
    private static final String LOCK_HOLDER = "it-lock-holder";
    private static final String LOCK_GRANTED = "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            + " WHERE c.relname = 'addition' AND l.mode = 'ExclusiveLock' AND l.granted";

    @BeforeAll
    static void startTraceReceiver() {
        OtlpTestReceiver.get();
    }

    @Test
    void everyAdditionIsStoredAndReadBackNewestFirst() {
        long a = ThreadLocalRandom.current().nextLong(1_000_000, 2_000_000);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = "db-row-" + i + "-" + UUID.randomUUID();
            assertEquals(200, Http.get(Http.APP + "/webapi/add?a=" + a + "&b=" + i, "X-Request-ID", id).statusCode());
            ids.add(id);
        }
        String rows = Postgres.get().sql(Postgres.DATABASE, "SELECT a, b, result, request_id, length(trace_id)"
                + " FROM addition WHERE a = " + a + " ORDER BY id");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expected.add(a + "|" + i + "|" + (a + i) + "|" + ids.get(i) + "|32");
        }
        assertEquals(String.join("\n", expected), rows);

        JsonNode history = json(Http.get(Http.APP + "/webapi/history?limit=5"), 200).path("additions");
        assertEquals(5, history.size(), history.toString());
        for (int i = 0; i < 5; i++) {
            JsonNode entry = history.get(i);
            assertEquals(ids.get(4 - i), entry.path("requestId").asText(), "newest first: " + history);
            assertEquals(a + 4 - i, entry.path("result").asLong());
            assertTrue(entry.path("traceId").asText().matches("[0-9a-f]{32}"), entry.toString());
        }
    }

    @Test
    void theInsertOfAnAddIsASpanOfItsServerSpan() {
        String id = "db-span-" + UUID.randomUUID();
        assertEquals(200, Http.get(Http.APP + "/webapi/add?a=3&b=4", "X-Request-ID", id).statusCode());
        OtlpTestReceiver receiver = OtlpTestReceiver.get();
        OtlpTestReceiver.ReceivedSpan server = Await.until(TIMEOUT, () -> receiver.spans().stream()
                .filter(s -> s.kind() == SpanKind.SPAN_KIND_SERVER && id.equals(s.attributes().get("request.id")))
                .findFirst(), found -> found.isPresent(), "the server span of " + id).orElseThrow();
        List<OtlpTestReceiver.ReceivedSpan> queries = Await.until(TIMEOUT, () -> receiver.spans().stream()
                .filter(s -> s.kind() == SpanKind.SPAN_KIND_CLIENT && server.traceId().equals(s.traceId()))
                .toList(), found -> !found.isEmpty(), "a query span in the trace of " + id);
        assertEquals(1, queries.size(), "one statement per /add: " + queries);
        OtlpTestReceiver.ReceivedSpan insert = queries.get(0);
        assertEquals(server.spanId(), insert.parentSpanId(), "the query span's parent is the /add server span");
        assertEquals("webapi", insert.service());
        assertEquals("postgresql", insert.attributes().get("db.system.name"), insert.attributes().toString());
        String statement = insert.attributes().get("db.query.text");
        assertTrue(statement.startsWith("INSERT INTO addition"), insert.attributes().toString());
        assertFalse(statement.contains(id), "values are bound, not in the statement: " + statement);
    }

    @Test
    void poolAndQueryMetricsAreScraped() {
        assertEquals(200, Http.get(Http.APP + "/webapi/add?a=1&b=1").statusCode());
        PrometheusScrape server = PrometheusScrape.of(Http.MANAGEMENT + "/metrics", false);
        assertFalse(server.find("wildfly_datasources_pool_in_use_count", WEBAPI_DS).isEmpty(),
                "pool metrics with the datasource label");
        assertEquals(10, server.value("wildfly_datasources_pool_available_count", WEBAPI_DS)
                + server.value("wildfly_datasources_pool_in_use_count", WEBAPI_DS), "in use + available = max pool size");
        assertFalse(server.find("wildfly_datasources_pool_blocking_failure_count", WEBAPI_DS).isEmpty(),
                "callers turned away after the blocking timeout are counted");
        assertTrue(server.value("wildfly_datasources_pool_created_count", WEBAPI_DS) >= 1,
                "statistics are enabled: connections counted");

        PrometheusScrape webapi = Await.until(TIMEOUT, () -> PrometheusScrape.of(Http.WEBAPI_METRICS, false),
                s -> s.value("db_client_operation_duration_seconds_count", Map.of("db_operation_name", "INSERT")) > 0,
                "the query-duration histogram");
        List<PrometheusScrape.Sample> buckets = webapi.find("db_client_operation_duration_seconds_bucket",
                Map.of("db_operation_name", "INSERT"));
        assertTrue(buckets.stream().map(b -> b.labels().get("le")).filter(le -> !"+Inf".equals(le))
                .filter(le -> Double.parseDouble(le) < 0.001).count() >= 3, "sub-millisecond buckets: " + buckets);
    }

    @Test
    void statsAreCorrectAfterNAdditionsAndServedFromTheCache() {
        long a = ThreadLocalRandom.current().nextLong(3_000_000, 4_000_000);
        int n = 6;
        for (int i = 0; i < n; i++) {
            assertEquals(200, Http.get(Http.APP + "/webapi/add?a=" + a + "&b=0").statusCode());
        }
        long total = Long.parseLong(Postgres.get().sql(Postgres.DATABASE, "SELECT count(*) FROM addition"));
        String top = Postgres.get().sql(Postgres.DATABASE, "SELECT result, count(*) FROM addition GROUP BY result"
                + " ORDER BY 2 DESC, 1 FETCH FIRST 5 ROWS ONLY");
        // The cache answers with what it had for up to its TTL (2 s): wait for an answer computed after the additions.
        JsonNode stats = Await.until(TIMEOUT, () -> json(Http.get(Http.APP + "/webapi/stats"), 200),
                s -> s.path("total").asLong() == total, "stats counting the " + n + " additions");
        List<String> served = new ArrayList<>();
        stats.path("mostFrequentResults").forEach(r -> served.add(r.path("result").asLong() + "|" + r.path("times").asLong()));
        assertEquals(top, String.join("\n", served), "the most frequent results, as PostgreSQL counts them");

        PrometheusScrape before = PrometheusScrape.of(Http.WEBAPI_METRICS, false);
        for (int i = 0; i < 3; i++) {
            json(Http.get(Http.APP + "/webapi/stats"), 200);
        }
        PrometheusScrape after = PrometheusScrape.of(Http.WEBAPI_METRICS, false);
        double hits = gets(after, "hit") - gets(before, "hit");
        double misses = gets(after, "miss") - gets(before, "miss");
        assertEquals(3, hits + misses, "every get counted once");
        assertTrue(hits >= 1, "three gets within the TTL: at most one recomputes; hits " + hits);
        assertTrue(after.has("cache_evictions_total") && after.has("cache_size"), "evictions and size are exposed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "101", "-1", "abc", "1e2", "99999999999999999999", "", "5%3B%20DROP%20TABLE%20addition",
            "%27%20OR%201%3D1--", "%EF%BC%95", "5%00"})
    void hostileHistoryLimitsAre400Problems(String limit) throws Exception {
        HttpResponse<String> response = Http.get(Http.APP + "/webapi/history?limit=" + limit);
        ServiceEndpointsIT.assertProblem(response, 400);
        assertTrue(response.body().contains("1 to 100"), response.body());
        assertTrue(Long.parseLong(Postgres.get().sql(Postgres.DATABASE, "SELECT count(*) FROM addition")) >= 0,
                "the table is still there");
    }

    @Test
    void migrationsAreAppliedFreshAndANewerOneInTheDatabaseIsFuture() throws Exception {
        assertEquals("UP", Health.check(health("started"), "schema"));
        PrometheusScrape fresh = PrometheusScrape.of(Http.WEBAPI_METRICS, false);
        assertEquals(1, migrations(fresh, "applied"), "V1 applied to the fresh database");
        assertEquals(0, migrations(fresh, "pending"));
        assertEquals(0, migrations(fresh, "failed"));
        assertEquals(0, migrations(fresh, "future"));

        Postgres.get().sql(Postgres.DATABASE, "INSERT INTO flyway_schema_history (installed_rank, version,"
                + " description, type, script, checksum, installed_by, execution_time, success)"
                + " VALUES (1000, '1000', 'from a newer build', 'SQL', 'V1000__from_a_newer_build.sql', 0, 'test', 1, true)");
        try {
            // Read at scrape time: the very next scrape knows.
            PrometheusScrape ahead = PrometheusScrape.of(Http.WEBAPI_METRICS, false);
            assertEquals(1, migrations(ahead, "future"), "the schema is newer than the code");
            assertEquals(1, migrations(ahead, "applied"));
        } finally {
            Postgres.get().sql(Postgres.DATABASE, "DELETE FROM flyway_schema_history WHERE installed_rank = 1000");
        }
        assertEquals(0, migrations(PrometheusScrape.of(Http.WEBAPI_METRICS, false), "future"));
    }

    @Test
    void stoppedDatabaseIsA503FastReadinessDownLivenessUpAndRecoversWithoutRestart() throws Exception {
        Postgres postgres = Postgres.get();
        postgres.stop();
        try {
            for (String path : List.of("/webapi/add?a=5&b=6", "/webapi/history", "/webapi/add?a=7&b=8")) {
                long started = System.nanoTime();
                HttpResponse<String> response = Http.get(Http.APP + path);
                long ms = (System.nanoTime() - started) / 1_000_000;
                JsonNode problem = ServiceEndpointsIT.assertProblem(response, 503);
                assertTrue(ms < FAST_MS, path + " answered after " + ms + " ms");
                assertEquals("The database is unavailable.", problem.path("detail").asText());
            }
            JsonNode ready = Await.until(TIMEOUT, Health::readiness, r -> "DOWN".equals(Health.check(r, "database")),
                    "readiness check database DOWN");
            assertEquals("DOWN", ready.path("status").asText());
            JsonNode live = health("live");
            assertEquals("UP", live.path("status").asText(), "liveness never depends on the database: " + live);
            assertEquals("missing", Health.check(live, "database"));
        } finally {
            postgres.start();
        }
        Await.until(TIMEOUT, () -> Http.get(Http.APP + "/webapi/add?a=5&b=6").statusCode(), s -> s == 200,
                "/add to succeed again without a server restart");
        Await.until(TIMEOUT, () -> Health.readinessCheck("database"), "UP"::equals, "readiness database UP again");
    }

    /**
     * A slow statement under concurrency: while a lock holds every INSERT, the pool's 10 connections are taken by the
     * first 10 callers and each further caller gets a 503 problem after the blocking timeout (500 ms) instead of
     * queueing behind them; request threads stay free (health and a page without the database answer at once), every
     * caller turned away is counted as a blocking failure, and once the lock goes (long before the datasource's 10 s query
     * timeout would cancel them) the held calls complete.
     */
    @Test
    void anExhaustedPoolAnswersFast503sInsteadOfAPileUp() throws Exception {
        Postgres postgres = Postgres.get();
        int poolMax = (int) (managementScrape().value("wildfly_datasources_pool_available_count", WEBAPI_DS)
                + managementScrape().value("wildfly_datasources_pool_in_use_count", WEBAPI_DS));
        assertEquals(10, poolMax, "datasource.cli's max-pool-size");
        int callers = 3 * poolMax;
        double failuresBefore = managementScrape().value("wildfly_datasources_pool_blocking_failure_count", WEBAPI_DS);

        ExecutorService background = Executors.newCachedThreadPool();
        CompletableFuture<Void> lock = holdTableLock(postgres, background);
        Load.Result spike;
        try {
            Await.until(TIMEOUT, () -> postgres.sql(Postgres.DATABASE, LOCK_GRANTED), "1"::equals,
                    "the lock on table addition");
            CompletableFuture<Load.Result> load = CompletableFuture.supplyAsync(
                    () -> Load.closedLoop(Http.APP + "/webapi/add?a=40&b=2", callers, callers), background);
            Await.until(TIMEOUT, () -> managementScrape().value("wildfly_datasources_pool_blocking_failure_count",
                    WEBAPI_DS) - failuresBefore, n -> n >= callers - poolMax,
                    "every caller beyond the pool turned away after the blocking timeout");
            assertEquals(poolMax, managementScrape().value("wildfly_datasources_pool_in_use_count", WEBAPI_DS),
                    "the held callers have every connection");
            for (String free : List.of(Http.MANAGEMENT + "/health/live", Http.APP + "/webapi/")) {
                long started = System.nanoTime();
                assertEquals(200, Http.get(free).statusCode(), free);
                long ms = (System.nanoTime() - started) / 1_000_000;
                assertTrue(ms < FAST_MS, free + " answered after " + ms + " ms while the pool was exhausted");
            }
            assertFalse(load.isDone(), "the held callers wait for the lock");
            releaseTableLock(postgres);
            spike = load.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            releaseTableLock(postgres);
            lock.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            background.shutdownNow();
        }
        System.out.println("pool exhausted: " + spike);
        int refused = callers - poolMax;
        assertEquals(Map.of(200, poolMax, 503, refused), spike.statuses(), spike.toString());
        assertEquals(refused, managementScrape().value("wildfly_datasources_pool_blocking_failure_count", WEBAPI_DS)
                - failuresBefore, "each 503 counted once as a blocking failure");
        // The answers sorted by latency: the refused ones are the fast ones (the others waited for the lock).
        double refusedWithinMs = spike.latencies().get(refused - 1) / 1e6;
        assertTrue(refusedWithinMs < FAST_MS, "the " + refused + " refused callers answered within " + refusedWithinMs + " ms");
        JsonNode problem = ServiceEndpointsIT.assertProblem(spike.firstOfEach().get(503), 503);
        assertEquals("The database is unavailable.", problem.path("detail").asText());
        long started = System.nanoTime();
        assertEquals(200, Http.get(Http.APP + "/webapi/add?a=1&b=2").statusCode());
        assertTrue((System.nanoTime() - started) / 1_000_000 < FAST_MS, "served at once after the lock went");
    }

    /**
     * A statement stuck on a lock does not hold its connection forever: the datasource's query timeout cancels it, the
     * caller gets a 504 problem soon after the timeout (not before: it was the timeout, not a refused connection), and
     * the connection is back in the pool and its backend no longer waits, while the lock is still held.
     */
    @Test
    void aStatementStuckOnALockIsCancelledAfterTheQueryTimeout() throws Exception {
        Postgres postgres = Postgres.get();
        ModelNode attribute = Operations.createReadAttributeOperation(
                Operations.createAddress("subsystem", "datasources", "data-source", "WebapiDS"), "query-timeout");
        attribute.get("resolve-expressions").set(true);
        long timeoutMs = Management.execute(attribute).asLong() * 1000;
        assertEquals(10_000, timeoutMs, "datasource.cli's query-timeout");
        String lockWaits = "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + Postgres.DATABASE + "'"
                + " AND wait_event_type = 'Lock' AND application_name <> '" + LOCK_HOLDER + "'";

        ExecutorService background = Executors.newCachedThreadPool();
        CompletableFuture<Void> lock = holdTableLock(postgres, background);
        try {
            Await.until(TIMEOUT, () -> postgres.sql(Postgres.DATABASE, LOCK_GRANTED), "1"::equals,
                    "the lock on table addition");
            CompletableFuture<HttpResponse<String>> add = CompletableFuture.supplyAsync(
                    () -> Http.get(Http.APP + "/webapi/add?a=31337&b=4242", TIMEOUT.plusMillis(timeoutMs)), background);
            Await.until(TIMEOUT, () -> postgres.sql(Postgres.DATABASE, lockWaits), "1"::equals,
                    "the INSERT of /add waiting for the lock");
            long waitingSince = System.nanoTime();

            HttpResponse<String> response = add.get(TIMEOUT.toMillis() + timeoutMs, TimeUnit.MILLISECONDS);
            long ms = (System.nanoTime() - waitingSince) / 1_000_000;
            JsonNode problem = ServiceEndpointsIT.assertProblem(response, 504);
            assertEquals("The database did not answer in time.", problem.path("detail").asText());
            // Cancelled by the timeout (it started before the wait was seen), with wide headroom for the cancel.
            assertTrue(ms < timeoutMs + 5_000, "/add answered " + ms + " ms after its INSERT began to wait");
            assertTrue(ms > timeoutMs / 2, "/add answered after " + ms + " ms: before the query timeout?");
            assertFalse(response.body().contains("57014") || response.body().contains("canceling"), response.body());

            // While the lock is still held: nobody waits for it any more, and the pool has its connection back.
            assertEquals("1", postgres.sql(Postgres.DATABASE, LOCK_GRANTED), "the lock is still held");
            Await.until(TIMEOUT, () -> postgres.sql(Postgres.DATABASE, lockWaits), "0"::equals,
                    "no backend of webapi waiting for the lock");
            Await.until(TIMEOUT, () -> managementScrape().value("wildfly_datasources_pool_in_use_count", WEBAPI_DS),
                    n -> n == 0, "the connection back in the pool");
        } finally {
            releaseTableLock(postgres);
            lock.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            background.shutdownNow();
        }
        assertEquals("0", postgres.sql(Postgres.DATABASE, "SELECT count(*) FROM addition WHERE a = 31337 AND b = 4242"),
                "the cancelled INSERT stored nothing");
        long started = System.nanoTime();
        assertEquals(200, Http.get(Http.APP + "/webapi/add?a=1&b=2").statusCode());
        assertTrue((System.nanoTime() - started) / 1_000_000 < FAST_MS, "served at once after the lock went");
    }

    /** webapp's page lists the recent calculations from webapi's history; without them it is still served. */
    @Test
    void theWebappPageShowsRecentCalculationsAndIsServedWithoutThem() throws Exception {
        long a = ThreadLocalRandom.current().nextLong(5_000_000, 6_000_000);
        assertEquals(200, Http.get(Http.APP + "/webapi/add?a=" + a + "&b=7").statusCode());
        HttpResponse<String> page = Http.get(Http.APP + "/webapp/", "Accept", "text/html");
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.body().contains("<li>" + a + " + 7 = " + (a + 7) + " <time>"), page.body());

        Postgres postgres = Postgres.get();
        postgres.stop();
        try {
            HttpResponse<String> without = Http.get(Http.APP + "/webapp/", "Accept", "text/html");
            assertEquals(200, without.statusCode(), without.body());
            assertTrue(without.body().contains("Recent calculations are unavailable right now."), without.body());
            assertTrue(without.body().contains("<code id=\"request-id\">"), "the rest of the page: " + without.body());
        } finally {
            postgres.start();
        }
    }

    @Test
    void deployedWhileTheDatabaseIsDownTheSchemaIsMigratedOnceItIsBack() throws Exception {
        Postgres postgres = Postgres.get();
        postgres.stop();
        try {
            Deployments.undeploy("webapi.war");
            Deployments.deploy("webapi.war");
            assertEquals("DOWN", Health.check(health("started"), "schema"), "deployed, the schema not yet checked");
            JsonNode problem = ServiceEndpointsIT.assertProblem(Http.get(Http.APP + "/webapi/add?a=1&b=2"), 503);
            assertFalse(problem.path("detail").asText().isBlank());
        } finally {
            postgres.start();
        }
        Await.until(TIMEOUT, () -> Health.check(health("started"), "schema"), "UP"::equals,
                "the retried migration to succeed");
        assertEquals(200, Http.get(Http.APP + "/webapi/add?a=1&b=2").statusCode());
    }

    private static double gets(PrometheusScrape scrape, String result) {
        return scrape.value("cache_gets_total", Map.of("cache", "stats", "result", result));
    }

    private static double migrations(PrometheusScrape scrape, String state) {
        List<PrometheusScrape.Sample> samples = scrape.find("webapi_schema_migrations", Map.of("state", state));
        assertEquals(1, samples.size(), "webapi_schema_migrations{state=" + state + "}: " + samples);
        return samples.get(0).value();
    }

    /** A psql session that locks table addition (every INSERT waits) for two minutes, or until released. */
    private static CompletableFuture<Void> holdTableLock(Postgres postgres, ExecutorService background) {
        return CompletableFuture.runAsync(() -> {
            try {
                postgres.sql(Postgres.DATABASE, "SET application_name = '" + LOCK_HOLDER + "'; BEGIN;"
                        + " LOCK TABLE addition IN EXCLUSIVE MODE; SELECT pg_sleep(120); COMMIT");
            } catch (AssertionError terminated) {
                // Ended by releaseTableLock: the lock is gone, as intended.
            }
        }, background);
    }

    private static void releaseTableLock(Postgres postgres) {
        postgres.sql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                + LOCK_HOLDER + "'");
    }

    private static PrometheusScrape managementScrape() {
        return PrometheusScrape.of(Http.MANAGEMENT + "/metrics", false);
    }

    private static JsonNode health(String probe) {
        return json(Http.get(Http.MANAGEMENT + "/health/" + probe), -1);
    }

    private static JsonNode json(HttpResponse<String> response, int status) {
        if (status > 0) {
            assertEquals(status, response.statusCode(), response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
