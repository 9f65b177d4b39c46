package io.enhance.worker.batches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.batches.JobActionResult.Result;
import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.emulator.ReceivedDelete;
import io.enhance.worker.emulator.WaveSpeedEmulator;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * An operator cancels, retries, pauses and resumes; the emulator's ledger of submit POSTs shows that
 * nothing is paid twice unless the operator asks for it.
 */
@QuarkusTest
@TestProfile(UploadedSources.class)
@QuarkusTestResource(EmbeddedServices.class)
class OperatorActionsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    QueuesConfig queues;
    @Inject
    BatchHolds holds;
    @Inject
    Cancellations cancellations;
    @Inject
    Retries retries;
    @Inject
    BatchReports reports;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void resumeEverything() {
        holds.resumeAll();
        EmbeddedServices.emulator().settings().setFailureRate(0.0).setFinishOnDelete(false)
                .setMinLatencyMs(EmbeddedServices.MIN_LATENCY_MS).setMaxLatencyMs(EmbeddedServices.MAX_LATENCY_MS);
    }

    @Test
    void cancellingARunningBatchDeletesItsUpstreamTasksAndDeliversEveryOutputThatWasPaidFor() throws Exception {
        BatchJobs batch = new BatchJobs("running-" + run, 200);
        WaveSpeedEmulator emulator = EmbeddedServices.emulator();
        emulator.settings().setMinLatencyMs(5000).setMaxLatencyMs(5000);
        int deletesBefore = emulator.deletes().size();
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < batch.size(); i++) {
                broker.publish(queues.requests(), batch.request(i, false));
            }
            await().atMost(TIMEOUT).until(() -> batch.statuses().values().stream().filter(JobStatus.TRACKED::contains).count() >= 25);

            BatchActionResult first = cancellations.cancelBatch(batch.batch()).orElseThrow();
            assertThat(first.jobs()).containsKeys("cancelled", "upstream_cancelled", "cancelling", "delivered_before_cancel");

            await().atMost(TIMEOUT).until(() -> batch.statuses().size() == batch.size() && batch.statuses().values().stream()
                    .allMatch(status -> status == JobStatus.CANCELLED || status == JobStatus.COMPLETED));
            List<Job> jobs = batch.jobs();
            List<Job> deleted = jobs.stream().filter(job -> job.upstreamCancelled).toList();
            assertThat(deleted).as("jobs whose running task was deleted").isNotEmpty()
                    .allMatch(job -> job.status == JobStatus.CANCELLED && job.predictionId != null);

            // the ledger: every deleted task was named by a delete while it ran, a bounded number per call, at a bounded pace
            List<ReceivedDelete> calls = emulator.deletes().subList(deletesBefore, emulator.deletes().size());
            Map<String, ReceivedDelete.Task> named = calls.stream().flatMap(call -> call.tasks().stream())
                    .collect(Collectors.toMap(ReceivedDelete.Task::id, task -> task, (a, b) -> a));
            assertThat(deleted).allSatisfy(job -> assertThat(named.get(job.predictionId)).isNotNull()
                    .satisfies(task -> assertThat(task.status()).isIn("created", "processing")));
            assertThat(calls).allSatisfy(call -> assertThat(call.tasks()).hasSizeBetween(1, 100));
            for (int i = 1; i < calls.size(); i++) {
                assertThat(Duration.between(calls.get(i - 1).at(), calls.get(i).at())).isGreaterThan(Duration.ofMillis(450));
            }
            // every task that finished was paid for, and its outputs are in S3
            Map<String, Job> byPrediction = jobs.stream().filter(job -> job.predictionId != null)
                    .collect(Collectors.toMap(job -> job.predictionId, job -> job));
            List<String> finished = byPrediction.keySet().stream()
                    .filter(id -> emulator.status(id).filter("completed"::equals).isPresent()).toList();
            assertThat(finished).allSatisfy(id -> {
                Job job = byPrediction.get(id);
                assertThat(job.status).isEqualTo(JobStatus.COMPLETED);
                assertThat(EmbeddedServices.s3().get(job.outputs.get(0).bucket(), job.outputs.get(0).key())).isNotEmpty();
            });
            assertThat(emulator.submissions().stream().filter(s -> s.body().path("prompt").asText().startsWith("enhance " + batch.batch() + "/")))
                    .as("no task of the batch is lost track of").allSatisfy(s -> assertThat(byPrediction).containsKey(s.predictionId()));

            BatchActionResult answer = cancellations.cancelBatch(batch.batch()).orElseThrow();
            long completed = jobs.stream().filter(job -> job.status == JobStatus.COMPLETED).count();
            assertThat(answer.jobs()).containsEntry("cancelling", 0L)
                    .containsEntry("upstream_cancelled", (long) deleted.size())
                    .containsEntry("cancelled", batch.size() - completed);
            assertThat(answer.jobs().get("delivered_before_cancel")).isLessThanOrEqualTo(completed);
            assertThat(answer.message()).contains("had their running task deleted at WaveSpeed");
            await().atMost(TIMEOUT).until(() -> events(broker, "job.cancelled", batch.batch()).size() == batch.size() - completed);
            assertThat(events(broker, "job.cancelled", batch.batch()).stream()
                    .filter(event -> event.data().path("upstream_cancelled").asBoolean())).hasSize(deleted.size());
        }
    }

    @Test
    void aTaskThatFinishesWhileItsDeleteIsInFlightIsDeliveredAndTheAnswerSaysSo() throws Exception {
        BatchJobs batch = new BatchJobs("race-" + run, 1);
        WaveSpeedEmulator emulator = EmbeddedServices.emulator();
        emulator.settings().setMinLatencyMs(60_000).setMaxLatencyMs(60_000).setFinishOnDelete(true);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), batch.request(0, false));
            await().atMost(TIMEOUT).until(() -> JobStatus.TRACKED.contains(batch.status(0)));

            JobActionResult cancelling = cancellations.cancelJob(batch.id(0));
            assertThat(cancelling.result()).isEqualTo(Result.CANCELLING);
            assertThat(cancelling.message()).contains("is being deleted at WaveSpeed");

            await().atMost(TIMEOUT).until(() -> batch.status(0) == JobStatus.COMPLETED);
            Job job = batch.job(0);
            assertThat(job.upstreamCancelled).isFalse();
            assertThat(EmbeddedServices.s3().get(job.outputs.get(0).bucket(), job.outputs.get(0).key())).isNotEmpty();
            assertThat(emulator.deletes().stream().flatMap(call -> call.tasks().stream())
                    .filter(task -> task.id().equals(job.predictionId)))
                    .containsExactly(new ReceivedDelete.Task(job.predictionId, "completed"));
            JobActionResult answer = cancellations.cancelJob(batch.id(0));
            assertThat(answer.result()).isEqualTo(Result.DELIVERED_BEFORE_CANCEL);
            assertThat(answer.message()).contains("had finished before its cancel arrived", "delivered to S3");
            await().atMost(TIMEOUT).until(() -> broker.eventsFor(batch.id(0)).size() == 1);
            assertThat(broker.eventsFor(batch.id(0))).extracting(TestBroker.ReceivedEvent::routingKey).containsExactly("job.completed");
        }
        assertThat(transitionDetails(batch.id(0))).anyMatch(detail -> detail.contains("deleting prediction"));
    }

    @Test
    void cancelsHalfABatchAndRetriesItsFailuresWithoutASecondPayment() throws Exception {
        BatchJobs batch = new BatchJobs("half-" + run, 8);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            holds.pauseAll();
            for (int i = 0; i < 8; i++) {
                broker.publish(queues.requests(), batch.request(i, i == 4 || i == 5));
            }
            await().atMost(TIMEOUT).until(() -> batch.statuses().size() == 8
                    && batch.statuses().values().stream().allMatch(status -> status == JobStatus.PAUSED));

            for (int i : new int[] { 0, 2, 4, 6 }) {
                assertThat(cancellations.cancelJob(batch.id(i)).result()).isEqualTo(Result.CANCELLED);
            }
            holds.resumeAll();
            await().atMost(TIMEOUT).until(() -> batch.status(1) == JobStatus.COMPLETED && batch.status(3) == JobStatus.COMPLETED
                    && batch.status(7) == JobStatus.COMPLETED && batch.status(5) == JobStatus.FAILED);
            assertThat(batch.job(5).errorCode).isEqualTo("source_unavailable");
            assertThat(cancellations.cancelJob(batch.id(1)).result()).as("a completed job").isEqualTo(Result.ALREADY_ENDED);

            batch.uploadSource(5);
            BatchActionResult retried = retries.retryBatch(batch.batch(), false).orElseThrow();
            assertThat(retried.jobs()).isEqualTo(Map.of("retried", 1L));
            await().atMost(TIMEOUT).until(() -> batch.status(5) == JobStatus.COMPLETED);
            await().atMost(TIMEOUT).until(() -> events(broker, "batch.completed", batch.batch()).size() == 1);

            assertThat(events(broker, "job.cancelled", null)).hasSize(4);
            assertThat(events(broker, "job.retried", null)).singleElement()
                    .satisfies(event -> assertThat(event.data().path("retry").asText()).isEqualTo("free"));
            assertThat(broker.eventsFor(batch.id(5))).extracting(TestBroker.ReceivedEvent::routingKey)
                    .containsExactly("job.failed", "job.retried", "job.completed");
            assertThat(events(broker, "batch.completed", batch.batch()).get(0).data().path("counts").path("cancelled")
                    .asInt()).isEqualTo(4);
        }
        for (int i = 0; i < 8; i++) {
            assertThat(batch.paidSubmissions(i)).as("submissions of job " + i).isEqualTo(i % 2 == 0 ? 0 : 1);
        }
        assertThat(reports.batch(batch.batch()).orElseThrow().spendUsd()).isEqualByComparingTo("0.100");
        assertThat(transitionDetails(batch.id(0))).contains("cancelled by operator");
    }

    @Test
    void refusesToRetryAFailureThatMayHavePaidUnlessTheOperatorAsksToPayAgain() throws Exception {
        BatchJobs batch = new BatchJobs("paid-" + run, 1);
        EmbeddedServices.emulator().settings().setFailureRate(1.0);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), batch.request(0, false));
            await().atMost(TIMEOUT).until(() -> batch.status(0) == JobStatus.FAILED);
            assertThat(batch.job(0).errorCode).isEqualTo("prediction_failed");
            EmbeddedServices.emulator().settings().setFailureRate(0.0);

            JobActionResult refused = retries.retryJobs(List.of(batch.id(0)), false).get(0);
            assertThat(refused.result()).isEqualTo(Result.REFUSED);
            assertThat(refused.message()).contains("pay_again");
            assertThat(batch.status(0)).isEqualTo(JobStatus.FAILED);
            assertThat(batch.paidSubmissions(0)).isEqualTo(1);

            assertThat(retries.retryJobs(List.of(batch.id(0)), true).get(0).result()).isEqualTo(Result.RETRIED);
            await().atMost(TIMEOUT).until(() -> batch.status(0) == JobStatus.COMPLETED);
            await().atMost(TIMEOUT).until(() -> broker.eventsFor(batch.id(0)).size() == 3);
            assertThat(broker.eventsFor(batch.id(0))).extracting(TestBroker.ReceivedEvent::routingKey)
                    .containsExactly("job.failed", "job.retried", "job.completed");
        }
        assertThat(batch.paidSubmissions(0)).isEqualTo(2);
        // both payments count, in the job and in its batch
        assertThat(batch.job(0).spendUsd).isEqualByComparingTo(new BigDecimal("0.050"));
        await().atMost(TIMEOUT).until(() -> reports.batch(batch.batch()).orElseThrow().spendUsd().compareTo(new BigDecimal("0.05")) == 0);
    }

    @Test
    void aPausedBatchWaitsWhileOthersRunAndGoesOnWhenResumed() throws Exception {
        BatchJobs paused = new BatchJobs("held-" + run, 2);
        BatchJobs other = new BatchJobs("other-" + run, 1);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            holds.pauseAll();
            broker.publish(queues.requests(), paused.request(0, false));
            await().atMost(TIMEOUT).until(() -> paused.status(0) == JobStatus.PAUSED);
            await().atMost(TIMEOUT).until(() -> reports.batch(paused.batch()).isPresent());
            assertThat(holds.pauseBatch(paused.batch())).isPresent();

            holds.resumeAll();
            broker.publish(queues.requests(), other.request(0, false));
            broker.publish(queues.requests(), paused.request(1, false));
            await().atMost(TIMEOUT).until(() -> other.status(0) == JobStatus.COMPLETED && paused.status(1) != null);
            assertThat(paused.statuses().values()).containsOnly(JobStatus.PAUSED);
            assertThat(reports.batch(paused.batch()).orElseThrow().state()).isEqualTo("paused");

            holds.resumeBatch(paused.batch());
            await().atMost(TIMEOUT).until(() -> paused.statuses().values().stream().allMatch(s -> s == JobStatus.COMPLETED));
            assertThat(events(broker, "batch.paused", paused.batch())).hasSize(1);
            assertThat(events(broker, "batch.resumed", paused.batch())).hasSize(1);
            assertThat(events(broker, "submissions.paused", null)).hasSize(1);
        }
        assertThat(transitionDetails(paused.id(0))).contains("submissions paused by operator",
                "submissions resumed by operator");
        assertThat(holds.pauseBatch("no-such-batch-" + run)).isEmpty();
    }

    private static List<TestBroker.ReceivedEvent> events(TestBroker broker, String routingKey, String batchId) {
        return broker.events().stream().filter(event -> routingKey.equals(event.routingKey())
                && (batchId == null || batchId.equals(event.data().path("batch_id").asText()))).toList();
    }

    private static List<String> transitionDetails(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job = (select j.id from Job j where j.jobId = ?1) order by id", jobId).stream()
                .map(transition -> String.valueOf(transition.detail)).toList());
    }
}
