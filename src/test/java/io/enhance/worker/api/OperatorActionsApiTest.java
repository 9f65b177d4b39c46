package io.enhance.worker.api;

import static io.enhance.worker.api.OperatorJobs.operator;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Cancel, retry, pause and resume through HTTP, each answered with what it did or why it did not. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class OperatorActionsApiTest {

    @Inject
    QueuesConfig queues;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void cancelsAQueuedJobWithAnEventAndAnswersForAnEndedOrUnknownOne() throws Exception {
        String queued = "cancel-" + run + "/a/b";
        String running = "cancel-" + run + "/running";
        OperatorJobs.queued(queued, null, "s3://sources/none.png");
        OperatorJobs.submitted(running, null);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            operator().post("/api/jobs/" + queued + "/cancel").then().statusCode(200)
                    .body("job_id", equalTo(queued)).body("result", equalTo("CANCELLED")).body("status", equalTo("CANCELLED"));
            await().atMost(Duration.ofSeconds(20)).until(() -> broker.eventsFor(queued).stream()
                    .anyMatch(event -> event.routingKey().equals("job.cancelled")));
        } finally {
            OperatorJobs.end(running);
        }
        operator().post("/api/jobs/" + queued + "/cancel").then().statusCode(409).body("result", equalTo("ALREADY_ENDED"));
        assertThat(OperatorJobs.status(running)).isEqualTo(JobStatus.FAILED);
        operator().get("/api/jobs/" + queued).then().statusCode(200).body("status", equalTo("CANCELLED"))
                .body("source", equalTo("s3://sources/none.png")).body("retries", equalTo(0)).body("retry", nullValue());
        operator().post("/api/jobs/no-such-" + run + "/cancel").then().statusCode(404).body("result", equalTo("NOT_FOUND"));
    }

    @Test
    void aJobStillRunningUpstreamIsCancelledByDeletingItsTask() {
        String running = "running-" + run + "/x";
        OperatorJobs.submitted(running, null);
        operator().post("/api/jobs/" + running + "/cancel").then().statusCode(202)
                .body("result", equalTo("CANCELLING")).body("status", equalTo("CANCELLING"))
                .body("message", containsString("is being deleted at WaveSpeed"));
        // WaveSpeed does not know its made-up task: nothing to delete, and the job ends cancelled
        await().atMost(Duration.ofSeconds(20)).until(() -> OperatorJobs.status(running) == JobStatus.CANCELLED);
        operator().get("/api/jobs/" + running).then().statusCode(200).body("upstream_cancelled", equalTo(false))
                .body("cancel_requested_at", notNullValue());
        operator().post("/api/jobs/" + running + "/cancel").then().statusCode(409).body("result", equalTo("ALREADY_ENDED"));
    }

    @Test
    void refusesARetryThatMayPayAgainUnlessAskedAndRetriesAFreeOne() {
        String source = EmbeddedServices.s3().putSource("retry-" + run + ".png", TestImages.card(16, 16, 7));
        String paid = "retry-" + run + "/paid";
        String free = "retry-" + run + "/free";
        OperatorJobs.failedAfterPaying(paid, null, source);
        OperatorJobs.failedFree(free, null, source);

        operator().get("/api/jobs/" + paid).then().statusCode(200).body("retry", equalTo("pays_again"));
        operator().get("/api/jobs/" + free).then().statusCode(200).body("retry", equalTo("free"));
        operator().post("/api/jobs/" + paid + "/retry").then().statusCode(409).body("result", equalTo("REFUSED"))
                .body("message", containsString("pay_again"));
        operator().queryParam("pay_again", "perhaps").post("/api/jobs/" + paid + "/retry").then().statusCode(400)
                .body("error", containsString("pay_again"));
        assertThat(OperatorJobs.status(paid)).isEqualTo(JobStatus.FAILED);

        operator().post("/api/jobs/" + free + "/retry").then().statusCode(200).body("result", equalTo("RETRIED"))
                .body("status", equalTo("QUEUED"));
        operator().queryParam("pay_again", "true").post("/api/jobs/" + paid + "/retry").then().statusCode(200)
                .body("result", equalTo("RETRIED"));
        await().atMost(Duration.ofSeconds(60)).until(() -> OperatorJobs.status(free) == JobStatus.COMPLETED
                && OperatorJobs.status(paid) == JobStatus.COMPLETED);
        operator().get("/api/jobs/" + free).then().body("retries", equalTo(1)).body("retry", nullValue());
        operator().post("/api/jobs/" + free + "/retry").then().statusCode(409).body("message", containsString("only failed jobs"));
    }

    @Test
    void offersAJobWhoseOutputsAreGoneAPaidRetryAndSubmitsItAgainWhenAskedToPay() {
        String source = EmbeddedServices.s3().putSource("gone-" + run + ".png", TestImages.card(16, 16, 9));
        String unavailable = "gone-" + run + "/unavailable";
        String expired = "gone-" + run + "/expired";
        String recent = "gone-" + run + "/recent";
        OperatorJobs.failedDelivering(unavailable, source, Instant.now().minus(Duration.ofHours(1)), "output_unavailable");
        OperatorJobs.failedDelivering(expired, source, Instant.now().minus(Duration.ofDays(8)), "delivery_deadline_exceeded");
        OperatorJobs.failedDelivering(recent, source, Instant.now().minus(Duration.ofDays(6)), "delivery_deadline_exceeded");

        operator().get("/api/jobs/" + unavailable).then().statusCode(200).body("retry", equalTo("pays_again"));
        operator().get("/api/jobs/" + expired).then().statusCode(200).body("retry", equalTo("pays_again"));
        operator().get("/api/jobs/" + recent).then().statusCode(200).body("retry", equalTo("redeliver"));
        operator().post("/api/jobs/" + expired + "/retry").then().statusCode(409).body("result", equalTo("REFUSED"))
                .body("message", containsString("outputs are gone")).body("message", containsString("pay_again"));
        assertThat(OperatorJobs.status(expired)).isEqualTo(JobStatus.FAILED);

        operator().queryParam("pay_again", "true").post("/api/jobs/" + unavailable + "/retry").then().statusCode(200)
                .body("result", equalTo("RETRIED")).body("status", equalTo("QUEUED"));
        await().atMost(Duration.ofSeconds(30)).until(() -> OperatorJobs.status(unavailable) == JobStatus.COMPLETED);
        assertThat(EmbeddedServices.emulator().submissions()).as("a new, paid task")
                .filteredOn(sent -> sent.body().path("prompt").asText().equals("enhance " + unavailable)).hasSize(1);
        operator().get("/api/jobs/" + unavailable).then().body("retries", equalTo(1))
                .body("spend_usd", equalTo(0.05f)).body("outputs.size()", equalTo(1));
    }

    @Test
    void retriesChosenJobsInOneCallAndRefusesAnEmptyOrOversizedList() {
        String failed = "many-" + run + "/free";
        OperatorJobs.failedFree(failed, null, EmbeddedServices.s3().putSource("many-" + run + ".png", TestImages.card(16, 16, 8)));
        operator().contentType(ContentType.JSON).body(Map.of("job_ids", List.of(failed, "no-such-" + run)))
                .post("/api/jobs/retry").then().statusCode(200)
                .body("results[0].result", equalTo("RETRIED")).body("results[1].result", equalTo("NOT_FOUND"));
        operator().contentType(ContentType.JSON).body(Map.of("job_ids", List.of())).post("/api/jobs/retry").then()
                .statusCode(400).body("error", containsString("job_ids"));
        operator().contentType(ContentType.JSON).body(Map.of("job_ids", IntStream.range(0, 501).mapToObj(i -> "j" + i).toList()))
                .post("/api/jobs/retry").then().statusCode(400).body("error", containsString("not 501"));
        operator().contentType(ContentType.JSON).body("{\"job_ids\": [").post("/api/jobs/retry").then()
                .statusCode(400).body("error", containsString("body"));
        operator().contentType(ContentType.JSON).body("{\"job_ids\": \"" + failed + "\"}").post("/api/jobs/retry").then()
                .statusCode(400).body("error", containsString("body"));
        operator().contentType(ContentType.TEXT).body("x").post("/api/jobs/retry").then().statusCode(415)
                .body("error", notNullValue());
        await().atMost(Duration.ofSeconds(60)).until(() -> OperatorJobs.status(failed) == JobStatus.COMPLETED);
    }

    @Test
    void pausesResumesRetriesAndCancelsABatchThroughHttp() {
        String batch = "ops-" + run + "/b";
        List<String> jobs = List.of(batch + "/0", batch + "/1", batch + "/2");
        jobs.forEach(job -> OperatorJobs.queued(job, batch, "s3://sources/none.png"));
        OperatorJobs.failedAfterPaying(batch + "/failed", batch, "s3://sources/none.png");
        // a batch is reported once the counters have folded its first job (about a second)
        await().atMost(Duration.ofSeconds(20)).until(() -> operator().get("/api/batches/" + batch).statusCode() == 200);

        operator().post("/api/batches/" + batch + "/pause").then().statusCode(200)
                .body("action", equalTo("pause")).body("jobs.paused", equalTo(3));
        assertThat(jobs).allMatch(job -> OperatorJobs.status(job) == JobStatus.PAUSED);
        operator().get("/api/batches/" + batch).then().statusCode(200).body("state", equalTo("paused"))
                .body("paused_at", notNullValue());
        operator().post("/api/batches/" + batch + "/resume").then().statusCode(200).body("jobs.resumed", equalTo(3));
        assertThat(jobs).allMatch(job -> OperatorJobs.status(job) == JobStatus.QUEUED);

        operator().contentType(ContentType.JSON).body(Map.of("job_ids", List.of(batch + "/failed", "elsewhere-" + run)))
                .post("/api/batches/" + batch + "/retry").then().statusCode(200).body("batch_id", equalTo(batch))
                .body("results[0].result", equalTo("REFUSED")).body("results[0].message", containsString("pay_again"))
                .body("results[1].result", equalTo("REFUSED")).body("results[1].message", containsString("not a job of batch"));
        operator().post("/api/batches/" + batch + "/retry").then().statusCode(200).body("action", equalTo("retry"))
                .body("jobs.refused", equalTo(1));
        operator().contentType(ContentType.JSON).body(Map.of("pay_again", false)).post("/api/batches/" + batch + "/retry")
                .then().statusCode(200).body("jobs.refused", equalTo(1));

        operator().post("/api/batches/" + batch + "/cancel").then().statusCode(200).body("jobs.cancelled", equalTo(3))
                .body("jobs.upstream_cancelled", equalTo(0)).body("jobs.cancelling", equalTo(0))
                .body("jobs.delivered_before_cancel", equalTo(0));
        await().atMost(Duration.ofSeconds(20)).until(() -> operator().get("/api/batches/" + batch).then().extract()
                .path("state").equals("cancelled"));
        assertThat(operator().queryParam("limit", 200).get("/api/batches").then().statusCode(200).extract()
                .jsonPath().getList("batches.batch_id", String.class)).contains(batch);

        for (String action : List.of("cancel", "pause", "resume", "retry")) {
            operator().post("/api/batches/no-such-" + run + "/" + action).then().statusCode(404)
                    .body("error", containsString("no batch"));
        }
        operator().get("/api/batches/no-such-" + run).then().statusCode(404).body("error", containsString("no batch"));
    }

    @Test
    void anIdWrittenAsOnePercentEncodedSegmentAsTheDashboardWritesItReachesItsBatchAndJob() {
        String batch = "encoded-" + run + "/b:1";
        String job = batch + "/0";
        OperatorJobs.queued(job, batch, "s3://sources/none.png");
        // encodeURIComponent: '/' as %2F and ':' as %3A, so that no id can add segments to the route
        String encodedBatch = batch.replace("/", "%2F").replace(":", "%3A");
        String encodedJob = job.replace("/", "%2F").replace(":", "%3A");
        await().atMost(Duration.ofSeconds(20)).until(() -> operator().get("/api/batches/" + batch).statusCode() == 200);

        operator().urlEncodingEnabled(false).post("/api/batches/" + encodedBatch + "/pause").then().statusCode(200)
                .body("batch_id", equalTo(batch)).body("jobs.paused", equalTo(1));
        operator().urlEncodingEnabled(false).get("/api/jobs/" + encodedJob).then().statusCode(200)
                .body("job_id", equalTo(job)).body("status", equalTo("PAUSED"));
        operator().urlEncodingEnabled(false).post("/api/batches/" + encodedBatch + "/cancel").then().statusCode(200)
                .body("jobs.cancelled", equalTo(1));
    }

    @Test
    void pausesAndResumesAllSubmissionsAndShowsThemInTheOverview() {
        try {
            operator().get("/api/submissions").then().statusCode(200).body("paused_at", nullValue());
            operator().post("/api/submissions/pause").then().statusCode(200).body("action", equalTo("pause"));
            operator().get("/api/submissions").then().statusCode(200).body("paused_at", notNullValue());
            operator().get("/api/overview").then().statusCode(200).body("submissions_paused_at", notNullValue());
        } finally {
            operator().post("/api/submissions/resume").then().statusCode(200).body("action", equalTo("resume"));
        }
        operator().get("/api/submissions").then().statusCode(200).body("paused_at", nullValue());
        operator().get("/api/overview").then().statusCode(200)
                .body("totals.jobs", notNullValue()).body("in_flight", notNullValue())
                .body("concurrency_cap", greaterThan(0)).body("submitted_last_5m", notNullValue())
                .body("rate_limited_last_5m", notNullValue()).body("account.state", equalTo("accepted"))
                .body("submissions_paused_at", nullValue()).body("activity", notNullValue());
    }

    @Test
    void everyOperatorEndpointRefusesAMissingOrWrongToken() {
        List<String> gets = List.of("/api/jobs", "/api/batches", "/api/submissions", "/api/overview", "/api/jobs/x/y");
        List<String> posts = List.of("/api/jobs/x/y/cancel", "/api/jobs/x/retry", "/api/jobs/retry", "/api/batches/b/pause",
                "/api/batches/b/resume", "/api/batches/b/cancel", "/api/batches/b/retry", "/api/submissions/pause",
                "/api/submissions/resume");
        for (String token : new String[] {null, "wrong-" + OperatorJobs.TOKEN}) {
            for (String path : gets) {
                authorised(token).get(path).then().statusCode(401).body("error", containsString("bearer token"));
            }
            for (String path : posts) {
                authorised(token).post(path).then().statusCode(401).body("error", containsString("bearer token"));
            }
        }
        operator().get("/api/submissions").then().statusCode(200);
    }

    private static io.restassured.specification.RequestSpecification authorised(String token) {
        return token == null ? given() : given().header("Authorization", "Bearer " + token);
    }
}
