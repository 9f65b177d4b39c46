package io.enhance.worker.submission;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.emulator.ReceivedSubmission;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.jobs.StoredJobs;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.JobRequestBuilder;
import io.enhance.worker.testing.ModelInputs;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestSources;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/**
 * Settlement against the history as WaveSpeed documents it (no request shown), without webhooks and
 * with a key that may be shared: absence is provable, a task is adopted by its time and its output's
 * likeness to the job's own source, look-alike sources stay undecided (kept for an operator, who can
 * assign the right task without paying again), and identical requests that keep coming cannot hold
 * settlement back.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class SettleUnknownSubmissionsTest {

    private static final String TOKEN = "test-admin-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final TestSources SOURCES = new TestSources();

    @Inject
    QueuesConfig queues;

    private final EmulatorSettings emulator = EmbeddedServices.emulator().settings();
    private final String batch = "settle-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void calmTheEmulator() {
        emulator.clearScripts();
    }

    @Test
    void provesWithTheDocumentedHistoryThatADroppedSubmitCreatedNothingAndSubmitsItAgainOnce() throws Exception {
        emulator.scriptSubmits("drop");

        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            publish(broker, "dropped", TestImages.photo(16, 16, 7));
            assertThat(awaitEvents(broker, 1)).singleElement().matches(e -> e.routingKey().equals("job.completed"));
        }

        assertThat(transitionsOf("dropped")).anyMatch(step -> "SUBMISSION_UNKNOWN".equals(step.fromStatus)
                && step.toStatus.equals("QUEUED"));
        assertThat(tasksOf("dropped")).hasSize(1);
    }

    @Test
    void adoptsTheTaskOfAnUnansweredSubmitByItsTimeAndItsOutputsLikenessToTheSourceWithoutAWebhook() throws Exception {
        emulator.scriptSubmits("created+drop");

        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            publish(broker, "unanswered", TestImages.photo(24, 24, 11));
            assertThat(awaitEvents(broker, 1)).singleElement().matches(e -> e.routingKey().equals("job.completed"));
        }

        assertThat(transitionsOf("unanswered")).anyMatch(step -> "SUBMISSION_UNKNOWN".equals(step.fromStatus)
                && step.toStatus.equals("SUBMITTED") && step.detail.startsWith(SettlementJudge.BY_CONTENT));
        List<ReceivedSubmission> tasks = tasksOf("unanswered");
        assertThat(tasks).as("paid once, never again").hasSize(1);
        assertThat(job("unanswered").predictionId).isEqualTo(tasks.get(0).predictionId());
        assertThat(job("unanswered").outputs.get(0).sha256()).as("its own task's output")
                .isEqualTo(TestImages.sha256(emulatorOutput(tasks.get(0).predictionId())));
    }

    @Test
    void leavesLookAlikeSourcesUndecidedAndDeliversTheTaskAnOperatorAssignsWithoutPayingAgain() throws Exception {
        emulator.scriptSubmits("created+drop", "created+drop");

        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            // the same composition in two tints, submitted in one round: neither time nor content tells them apart
            publish(broker, "first", TestImages.card(24, 24, 1));
            publish(broker, "second", TestImages.card(24, 24, 2));
            assertThat(awaitEvents(broker, 2)).allMatch(e -> e.routingKey().equals("job.failed")
                    && e.data().path("error").path("code").asText().equals("submission_outcome_unknown"));
        }
        String firstsTask = tasksOf("first").get(0).predictionId();
        String secondsTask = tasksOf("second").get(0).predictionId();
        assertThat(transitionsOf("first")).noneMatch(step -> step.toStatus.equals("SUBMITTED"));
        assertThat(transitionsOf("second")).noneMatch(step -> step.toStatus.equals("SUBMITTED"));
        given().header("Authorization", "Bearer " + TOKEN).get("/api/jobs/" + batch + "/first/candidates")
                .then().statusCode(200).body("size()", equalTo(2))
                .body("prediction_id", containsInAnyOrder(firstsTask, secondsTask))
                .body("[0].outputs.size()", equalTo(1));
        byte[] kept = given().header("Authorization", "Bearer " + TOKEN)
                .get("/api/jobs/" + batch + "/first/candidates/" + firstsTask + "/0").then().statusCode(200)
                .extract().asByteArray();
        assertThat(TestImages.sha256(kept)).isEqualTo(TestImages.sha256(emulatorOutput(firstsTask)));

        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            assign("first", firstsTask).statusCode(200).body("result", equalTo("ASSIGNED"));
            assign("second", firstsTask).statusCode(409);
            await().atMost(Duration.ofSeconds(30)).until(() -> job("first").status == JobStatus.COMPLETED);
        }
        Job first = job("first");
        assertThat(first.predictionId).isEqualTo(firstsTask);
        assertThat(first.outputs.get(0).sha256()).isEqualTo(TestImages.sha256(emulatorOutput(firstsTask)));
        assertThat(first.spendUsd).isEqualByComparingTo(new BigDecimal("0.025"));
        assertThat(tasksOf("first")).as("nothing paid again").hasSize(1);
        assertThat(transitionsOf("first")).anyMatch(step -> step.detail != null && step.detail.startsWith("assigned by operator"));
    }

    @Test
    void settlesAlthoughIdenticalRequestsKeepEnteringSubmissionAfterItsWindow() {
        // a source the emulator can fetch: once proven absent, the job is checked and submitted again
        Map<String, Object> input = ModelInputs.withDefaults("starve " + batch, SOURCES.image("/" + batch + ".png",
                TestImages.card(16, 16, 9)));
        Map<String, Object> remembered = RememberedRequest.of(input, false);
        String fingerprint = RememberedRequest.fingerprint(remembered);
        AtomicInteger siblings = new AtomicInteger();
        ScheduledExecutorService stream = Executors.newSingleThreadScheduledExecutor();
        stream.scheduleAtFixedRate(() -> QuarkusTransaction.requiringNew().run(() -> {
            Instant now = Instant.now();
            Job sibling = StoredJobs.queued(batch + "/sibling-" + siblings.incrementAndGet(), batch, input, "enhanced", "",
                    Map.of(), null, now);
            sibling.startSubmission(now, Duration.ofMinutes(2), "busy-worker", BigDecimal.ZERO);
            sibling.sending(remembered, fingerprint, false, now);
        }), 0, 300, TimeUnit.MILLISECONDS);
        long waiting;
        try {
            // identical requests are already entering submission, one every 300 ms, when the job comes due
            await().atMost(Duration.ofSeconds(10)).until(() -> siblings.get() >= 2);
            waiting = settleableUnknownSubmission(input, remembered, fingerprint);
            await().atMost(Duration.ofSeconds(20)).until(() -> QuarkusTransaction.requiringNew().call(
                    () -> JobTransition.count("job = ?1 and fromStatus = 'SUBMISSION_UNKNOWN'", waiting)) > 0);
        } finally {
            stream.shutdownNow();
        }
        QuarkusTransaction.requiringNew().run(() -> Job.update("status = ?1, dueAt = null where batchId = ?2 and status = ?3",
                JobStatus.FAILED, batch, JobStatus.SUBMITTING));
        // proven absent, it is submitted again: let that pass, so that no other test's scripted answer goes to it
        await().atMost(Duration.ofSeconds(20)).until(() -> QuarkusTransaction.requiringNew().call(
                () -> Job.<Job> findById(waiting).predictionId != null || Job.<Job> findById(waiting).status.isTerminal()));
    }

    /** A job whose POST went unanswered an hour ago, due for settlement now, asking for {@code input}. */
    private long settleableUnknownSubmission(Map<String, Object> input, Map<String, Object> remembered, String fingerprint) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
            Job job = StoredJobs.queued(batch + "/waiting", batch, input, "enhanced", "", Map.of(), null, hourAgo);
            job.startSubmission(hourAgo, Duration.ofMinutes(2), "stopped-worker", BigDecimal.ZERO);
            job.sending(remembered, fingerprint, false, hourAgo);
            job.submissionUnknown(hourAgo.plusSeconds(1), Instant.now(), hourAgo, "its answer never came");
            return job.id;
        });
    }

    private void publish(TestBroker broker, String name, byte[] image) {
        String source = EmbeddedServices.s3().putSource(batch + "/" + name + ".png", image);
        broker.publish(queues.requests(), JobRequestBuilder.job(batch + "/" + name, source).batch(batch).bytes());
    }

    private List<TestBroker.ReceivedEvent> awaitEvents(TestBroker broker, int count) {
        await().atMost(Duration.ofSeconds(45)).until(() -> broker.events().stream()
                .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() >= count);
        return broker.events().stream().filter(e -> e.data().path("batch_id").asText().equals(batch)).toList();
    }

    private ValidatableResponse assign(String name, String predictionId) {
        return given().header("Authorization", "Bearer " + TOKEN).contentType("application/json")
                .body("{\"prediction_id\":\"" + predictionId + "\"}")
                .post("/api/jobs/" + batch + "/" + name + "/assign").then();
    }

    private Job job(String name) {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(batch + "/" + name).orElseThrow());
    }

    private List<JobTransition> transitionsOf(String name) {
        return QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job = (select j.id from Job j where j.jobId = ?1) order by id", batch + "/" + name));
    }

    private List<ReceivedSubmission> tasksOf(String name) {
        return EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().equals("enhance " + batch + "/" + name)).toList();
    }

    /** The output the emulator made for {@code predictionId}, as it serves it. */
    private static byte[] emulatorOutput(String predictionId) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(EmbeddedServices.emulator().baseUrl() + "/outputs/"
                + predictionId + "/0.jpeg")).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
    }
}
