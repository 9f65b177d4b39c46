package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.LogCapture;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Through storms of 429s, 5xx, timeouts and dropped connections on submit and on polls, every job
 * completes, none is paid for twice (the emulator's own ledger), and resubmissions keep to the backoff.
 * Unanswered submissions are settled on the history as WaveSpeed documents it (no request): by their
 * tagged webhooks, or without them by time and content, or by time alone when the key is exclusive.
 */
@QuarkusTest
@TestProfile(TaggedWebhooksOn.class)
@QuarkusTestResource(EmbeddedServices.class)
@Tag("fault-suite") // a long scenario (a profile of its own, or a storm): with the fault suite, outside the test command
class SubmissionStormTest {

    private static final int JOBS = 20;
    /** One scheduler tick (the submit task runs once a second) plus the round's own time, on two busy cores. */
    private static final Duration SCHEDULING_SLACK = Duration.ofSeconds(4);
    /** Answers after which a task exists although the worker cannot know it. */
    private static final List<String> CREATED_UNANSWERED = List.of("created+drop", "slow", "created+500",
            "created+502", "created+504");
    /** Answers after which no task exists, though the worker cannot know that either. */
    private static final List<String> NOT_CREATED_UNANSWERED = List.of("drop", "500", "502", "504");

    @Inject
    QueuesConfig queues;
    @Inject
    WaveSpeedConfig wavespeed;

    private final EmulatorSettings emulator = EmbeddedServices.emulator().settings();
    private final String batch = "storm-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void calmTheEmulator() {
        emulator.setRate429(0).setResultFaultRate(0).setWebhookLossRate(0).clearScripts();
    }

    @Test
    void completesEveryJobThroughRateLimitsAndFaultyPollsSubmittingEachOnceWithinTheBackoff() throws Exception {
        emulator.setRate429(0.6).setResultFaultRate(0.5).setWebhookLossRate(1); // every result through a faulty poll

        try (LogCapture log = LogCapture.start()) {
            runBatchToCompletion();
            assertThat(log.lines()).as("one line for the storm of 429s, none per job")
                    .noneMatch(line -> line.contains("not submitted, will retry"))
                    .filteredOn(line -> line.startsWith("WaveSpeed answers submits with 429")).hasSizeLessThanOrEqualTo(1);
        }

        List<Job> jobs = jobsOfBatch();
        assertThat(jobs).anyMatch(job -> job.attempts > 1);
        assertThat(jobs.stream().mapToInt(job -> job.polls).sum()).as("polls, faulty ones included").isGreaterThan(JOBS);
        for (Job job : jobs) {
            assertResubmissionsKeptToTheBackoff(job);
        }
    }

    /**
     * With every webhook lost, the history as documented must recognise each task by its time and by its
     * output's likeness to the job's own source; with webhooks delivered, their tags bind them.
     */
    @ParameterizedTest
    @ValueSource(booleans = { true, false })
    void settlesEveryUnansweredSubmissionAndPaysForEachJobOnce(boolean webhooksLost) throws Exception {
        assertThat(wavespeed.requestTimeout()).as("a slow answer must outlast the worker's patience")
                .isLessThan(Duration.ofSeconds(8));
        emulator.setWebhookLossRate(webhooksLost ? 1 : 0);
        emulator.setSlowResponseMs(8_000);
        emulator.scriptSubmits(CREATED_UNANSWERED.toArray(String[]::new));
        emulator.scriptSubmits(NOT_CREATED_UNANSWERED.toArray(String[]::new));
        emulator.scriptSubmits("429", "503");
        emulator.scriptResults("500", "503", "504", "drop", "429");

        runBatchToCompletion();

        List<JobTransition> steps = QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job in (select j.id from Job j where j.batchId = ?1)", batch));
        List<JobTransition> adopted = steps.stream().filter(step -> step.toStatus.equals("SUBMITTED")
                && !step.detail.startsWith("created")).toList();
        if (webhooksLost) {
            assertThat(adopted).as("tasks of unanswered submissions, found in the history")
                    .hasSize(CREATED_UNANSWERED.size())
                    .allMatch(step -> step.detail.startsWith(SettlementJudge.BY_CONTENT));
        } else {
            // a tagged webhook may also come before the answer of a POST that waits for its round's slow neighbour
            assertThat(adopted).as("tasks bound by their webhook's tag, at least those of the unanswered submissions")
                    .hasSizeGreaterThanOrEqualTo(CREATED_UNANSWERED.size())
                    .allMatch(step -> step.detail.startsWith("found by its webhook tag:")
                            || step.detail.startsWith(SettlementJudge.BY_CONTENT));
        }
        assertThat(steps.stream().filter(step -> "SUBMISSION_UNKNOWN".equals(step.fromStatus)
                && step.toStatus.equals("QUEUED")))
                .as("proven absent from the history, so submitted again").hasSize(NOT_CREATED_UNANSWERED.size());
        for (Job job : jobsOfBatch()) {
            assertResubmissionsKeptToTheBackoff(job);
        }
    }

    @Test
    void adoptsByTimeAloneTheOnlyUnownedTaskOfTheOnlyUnansweredAttemptWhenTheKeyIsExclusive() throws Exception {
        emulator.setWebhookLossRate(1).scriptSubmits("created+drop");
        // strength 1.0: its output cannot be compared with its source, so only the time can tell
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.photo(16, 16, 5));

        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(batch + "/alone", source).batch(batch).input("strength", 1.0).bytes());
            await().atMost(Duration.ofSeconds(45)).until(() -> broker.events().stream()
                    .anyMatch(e -> e.data().path("batch_id").asText().equals(batch)));
            assertThat(broker.events().stream().filter(e -> e.data().path("batch_id").asText().equals(batch)))
                    .singleElement().matches(e -> e.routingKey().equals("job.completed"));
        }
        assertThat(QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job in (select j.id from Job j where j.batchId = ?1) and toStatus = 'SUBMITTED'", batch)))
                .singleElement().matches(step -> step.detail.startsWith(SettlementJudge.BY_ORDER));
        assertThat(EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().equals("enhance " + batch + "/alone"))).hasSize(1);
    }

    /** Publishes the batch, waits for all its events, and checks each job completed and was created upstream once. */
    private void runBatchToCompletion() throws Exception {
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < JOBS; i++) {
                // photos of their own, as in a real batch: each task's output shows whose it is
                String source = EmbeddedServices.s3().putSource(batch + "/" + i + ".png", TestImages.photo(24, 24, i));
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> broker.events().stream()
                    .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() == JOBS);
            assertThat(broker.events().stream().filter(e -> e.data().path("batch_id").asText().equals(batch)))
                    .allMatch(e -> e.routingKey().equals("job.completed"));
        }
        for (int i = 0; i < JOBS; i++) {
            String prompt = "enhance " + batch + "/" + i;
            assertThat(EmbeddedServices.emulator().submissions().stream()
                    .filter(s -> s.body().path("prompt").asText().equals(prompt))).as(prompt).hasSize(1);
        }
    }

    private List<Job> jobsOfBatch() {
        return QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batch));
    }

    /** Every wait after a submission that provably created nothing stays within that attempt's backoff cap. */
    private void assertResubmissionsKeptToTheBackoff(Job job) {
        List<JobTransition> steps = QuarkusTransaction.requiringNew()
                .call(() -> JobTransition.<JobTransition> list("job = ?1 order by id", job.id));
        int attempt = 0;
        for (int s = 0; s + 1 < steps.size(); s++) {
            if ("SUBMITTING".equals(steps.get(s).toStatus)) {
                attempt++;
            }
            if ("SUBMITTING".equals(steps.get(s).fromStatus) && "QUEUED".equals(steps.get(s).toStatus)) {
                Duration waited = Duration.between(steps.get(s).at, steps.get(s + 1).at);
                assertThat(waited).as("%s wait after attempt %d", job.jobId, attempt)
                        .isLessThanOrEqualTo(backoffCap(attempt).plus(SCHEDULING_SLACK));
            }
        }
    }

    private Duration backoffCap(int attempt) {
        long cap = Math.min(wavespeed.retryMaxDelay().toMillis(), wavespeed.retryBaseDelay().toMillis() << (attempt - 1));
        return Duration.ofMillis(cap);
    }
}
