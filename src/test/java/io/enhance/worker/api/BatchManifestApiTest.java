package io.enhance.worker.api;

import static io.enhance.worker.api.OperatorJobs.operator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.batches.BatchManifest;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * {@code GET /api/batches/{id}/manifest}: a row per job in CSV or JSON Lines, streamed from a server-side
 * cursor, so that 100,000 jobs never sit in memory at once.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class BatchManifestApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int JOBS = 100_000;
    /** The jobs of a batch, completed, each with one output and a presigned source, in one statement. */
    private static final String INSERT_JOBS = """
            insert into jobs (id, job_id, batch_id, status, input, output_bucket, output_key, created_at, updated_at,
                              submitted_at, finished_at, cost_usd, outputs, has_nsfw_contents)
            select nextval('jobs_seq'), ?1 || '/' || n, ?1, 'COMPLETED',
                   jsonb_build_object('image', 'https://images.example.com/in/' || n || '.jpg?X-Amz-Signature=secret',
                                      'prompt', 'p'),
                   'enhanced', ?1 || '/' || n || '.jpg', now(), now(), now(), now(), 0.025,
                   jsonb_build_array(jsonb_build_object('bucket', 'enhanced', 'key', ?1 || '/' || n || '.jpg',
                       'contentType', 'image/jpeg', 'size', 1000 + n, 'sha256', repeat('a', 64), 'width', 8, 'height', 6)),
                   jsonb_build_array(n % 2 = 0)
            from generate_series(1, ?2) as n""";

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Inject
    EntityManager entityManager;
    @Inject
    BatchManifest manifest;

    @Test
    void streamsAHundredThousandRowsAsCsvWithoutAPresignedQueryString() throws Exception {
        String batch = "manifest-" + run;
        insertJobs(batch, JOBS);

        HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + RestAssured.port + "/api/batches/" + batch + "/manifest"))
                .header("Authorization", "Bearer " + OperatorJobs.TOKEN).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofLines());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/csv"));
        AtomicLong rows = new AtomicLong();
        AtomicLong signed = new AtomicLong();
        String[] first = new String[2];
        response.body().forEach(line -> {
            if (rows.get() < 2) {
                first[(int) rows.get()] = line;
            }
            rows.incrementAndGet();
            signed.addAndGet(line.contains("Signature") ? 1 : 0);
        });
        assertThat(rows.get()).as("the header and a row per job").isEqualTo(JOBS + 1);
        assertThat(signed.get()).isZero();
        assertThat(first[0]).isEqualTo(String.join(",", BatchManifest.CSV_COLUMNS));
        assertThat(first[1]).startsWith(batch + "/1,COMPLETED,https://images.example.com/in/1.jpg,enhanced," + batch
                + "/1.jpg," + "a".repeat(64) + ",1001,8,6,false,\"[{\"\"bucket\"\":\"\"enhanced\"\",");
    }

    @Test
    void writesTheFirstRowsWhileTheCursorIsStillOpen() throws IOException {
        String batch = "cursor-" + run;
        insertJobs(batch, 20_000);
        // if the rows were read into a list first, the cursor would be closed before the first byte is written
        List<Long> openCursorsAtFirstWrite = new ArrayList<>();
        OutputStream watching = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] { (byte) b }, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                if (openCursorsAtFirstWrite.isEmpty()) {
                    openCursorsAtFirstWrite.add(((Number) entityManager.createNativeQuery(
                            "select count(*) from pg_cursors where statement like '%from jobs where batch_id%'"
                                    + " and statement not like '%pg_cursors%'")
                            .getSingleResult()).longValue());
                }
            }
        };

        QuarkusTransaction.requiringNew().run(() -> {
            try {
                manifest.write(batch, BatchManifest.Format.CSV, watching);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(openCursorsAtFirstWrite).containsExactly(1L);
    }

    @Test
    void writesJsonLinesByAcceptWithEveryOutputAndItsNsfwFlag() throws IOException {
        String batch = "jsonl-" + run;
        insertJobs(batch, 2);
        OperatorJobs.failedAfterPaying(batch + "/failed", batch, "https://images.example.com/f.jpg?X-Amz-Credential=c#x");

        for (String accept : List.of("application/x-ndjson", "application/jsonl")) {
            String body = operator().accept(accept).get("/api/batches/" + batch + "/manifest").then().statusCode(200)
                    .contentType(org.hamcrest.Matchers.startsWith("application/x-ndjson")).extract().asString();
            List<JsonNode> lines = body.lines().map(BatchManifestApiTest::json).toList();

            assertThat(lines).hasSize(3);
            assertThat(lines.get(1).path("outputs").get(0).path("key").asText()).isEqualTo(batch + "/2.jpg");
            assertThat(lines.get(1).path("outputs").get(0).path("has_nsfw_contents").asBoolean()).isTrue();
            assertThat(lines.get(1).path("cost_usd").decimalValue()).isEqualByComparingTo("0.025");
            assertThat(lines.get(1).path("finished_at").asText()).endsWith("Z");
            assertThat(lines.get(2).path("status").asText()).isEqualTo("FAILED");
            assertThat(lines.get(2).path("source").asText()).isEqualTo("https://images.example.com/f.jpg");
            assertThat(lines.get(2).path("error_code").asText()).isEqualTo("prediction_failed");
            assertThat(lines.get(2).path("outputs").size()).isZero();
        }
        operator().get("/api/batches/no-such-" + run + "/manifest").then().statusCode(404);
        operator().accept("application/xml").get("/api/batches/" + batch + "/manifest").then().statusCode(406);
    }

    /** Stores the jobs, and waits until the batch counters' fold (about once a second) has made their batch known. */
    private void insertJobs(String batch, int jobs) {
        QuarkusTransaction.requiringNew().run(() -> entityManager.createNativeQuery(INSERT_JOBS)
                .setParameter(1, batch).setParameter(2, jobs).executeUpdate());
        await().atMost(Duration.ofSeconds(60))
                .until(() -> operator().get("/api/batches/{id}", batch).statusCode() == 200);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
