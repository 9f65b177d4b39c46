package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
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

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.StoredJobs;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.ModelInputs;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Settlement against the history as WaveSpeed documents it (no request shown), without webhooks and
 * with a key that may be shared: absence is still provable, a task that may be the attempt's is never
 * adopted or paid for again, and identical requests that keep coming cannot hold settlement back.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class SettleUnknownSubmissionsTest {

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

        assertThat(publishAndAwaitEvent("dropped").routingKey()).isEqualTo("job.completed");

        assertThat(transitionsOf("dropped")).anyMatch(step -> "SUBMISSION_UNKNOWN".equals(step.fromStatus)
                && step.toStatus.equals("QUEUED"));
        assertThat(tasksOf("dropped")).isEqualTo(1);
    }

    @Test
    void waitsInsteadOfGuessingWhenAnUnownedTaskMayBeTheUnansweredAttemptsAndThereIsNoWebhook() throws Exception {
        emulator.scriptSubmits("created+drop");
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 6));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(batch + "/unanswered", source).batch(batch).bytes());
            await().atMost(Duration.ofSeconds(20)).until(() -> status("unanswered") == JobStatus.SUBMISSION_UNKNOWN);

            // settling is due 6 s after the attempt and runs every second: several rounds pass
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(12))
                    .until(() -> status("unanswered") == JobStatus.SUBMISSION_UNKNOWN);
            assertThat(broker.events()).noneMatch(e -> e.data().path("batch_id").asText().equals(batch));
        }
        assertThat(transitionsOf("unanswered")).noneMatch(step -> "SUBMISSION_UNKNOWN".equals(step.fromStatus));
        assertThat(tasksOf("unanswered")).as("paid once, never again").isEqualTo(1);
    }

    @Test
    void settlesAlthoughIdenticalRequestsKeepEnteringSubmissionAfterItsWindow() {
        Map<String, Object> input = ModelInputs.withDefaults("starve " + batch, "https://img.example/" + batch + ".png");
        Map<String, Object> remembered = SubmissionEvidence.remembered(input, false);
        String fingerprint = SubmissionEvidence.fingerprint(remembered);
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
            job.submissionUnknown(Instant.now(), hourAgo, "its answer never came");
            return job.id;
        });
    }

    private TestBroker.ReceivedEvent publishAndAwaitEvent(String name) throws Exception {
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 7));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(batch + "/" + name, source).batch(batch).bytes());
            await().atMost(Duration.ofSeconds(45)).until(() -> broker.events().stream()
                    .anyMatch(e -> e.data().path("batch_id").asText().equals(batch)));
            return broker.events().stream().filter(e -> e.data().path("batch_id").asText().equals(batch))
                    .findFirst().orElseThrow();
        }
    }

    private JobStatus status(String name) {
        return QuarkusTransaction.requiringNew().call(() -> Job.findByJobId(batch + "/" + name)
                .map(job -> job.status).orElse(null));
    }

    private List<JobTransition> transitionsOf(String name) {
        return QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job = (select j.id from Job j where j.jobId = ?1) order by id", batch + "/" + name));
    }

    private long tasksOf(String name) {
        return EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().equals("enhance " + batch + "/" + name)).count();
    }
}
