package io.enhance.worker.intake;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.events.JobEvents;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.tracing.TraceContext;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.ChannelRegistry;

/**
 * A burst of request messages is stored many per transaction, and every message still gets the
 * outcome it would have had alone. The periodic tasks are off, so that the jobs stay as intake left them.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
@TestProfile(GroupCommitsTest.IntakeOnly.class)
class GroupCommitsTest {

    private static final String IMAGE = "https://images.example.com/in.png";
    private static final int NEW_JOBS = 455;
    /** Longer than the burst could take to arrive within the test's wait for it (60 s for 50 batches). */
    private static final Duration BATCH_WAIT = Duration.ofSeconds(2);

    /**
     * The connector hands a resumed burst over in a trickle (500 messages took 1.3 s on two busy cores),
     * so with the default 5 ms wait a batch holds only what arrived while the previous one committed,
     * and the number of transactions follows the machine's load. A wait longer than the whole burst
     * takes to arrive makes the count depend on the batching alone: a batch closes when it is full.
     */
    public static class IntakeOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.scheduler.enabled", "false", "pipeline.intake-group-wait", BATCH_WAIT.toMillis() + "ms");
        }
    }

    /** Counts the jobs announced to the submission stage. */
    @ApplicationScoped
    static class QueuedJobs {
        private final AtomicInteger announced = new AtomicInteger();

        void queued(@Observes JobsQueued event) {
            announced.addAndGet(event.count());
        }

        int announced() {
            return announced.get(); // a method, not the field: the test holds a client proxy
        }
    }

    @Inject
    QueuesConfig queues;
    @Inject
    ChannelRegistry channels;
    @Inject
    EntityManager entityManager;
    @Inject
    MeterRegistry registry;
    @Inject
    JobEvents events;
    @Inject
    QueuedJobs queuedJobs;
    @Inject
    JobIntake intake;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void storesABurstInFewTransactionsWithTheOutcomeEachMessageWouldHaveHadAlone() throws Exception {
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.drain(queues.deadLetter());
            String finished = "finished-" + run;
            String existing = "existing-" + run;
            broker.publish(queues.requests(), job(finished, IMAGE).bytes());
            broker.publish(queues.requests(), job(existing, IMAGE).bytes());
            await().atMost(Duration.ofSeconds(30)).until(() -> jobs("jobId in (?1, ?2)", finished, existing) == 2);
            finishWithItsEventSent(finished);

            List<byte[]> burst = new ArrayList<>();
            List<byte[]> rejected = new ArrayList<>();
            for (int i = 0; i < NEW_JOBS; i++) {
                burst.add(job("new-" + run + "-" + i, IMAGE).bytes());
            }
            for (int i = 0; i < 20; i++) {
                burst.add(job("new-" + run + "-" + i, IMAGE).bytes()); // the same request again
                rejected.add(job("invalid-" + run + "-" + i, IMAGE).withoutInput("prompt").bytes());
            }
            rejected.add(job("new-" + run + "-20", IMAGE).input("strength", 5).bytes()); // invalid, under a new job's id
            rejected.add(job(existing, IMAGE).input("strength", 0.3).bytes());
            byte[] reusedFirst = job("reused-" + run, IMAGE).bytes();
            byte[] reusedSecond = job("reused-" + run, IMAGE).input("strength", 0.3).bytes();
            burst.addAll(rejected);
            burst.addAll(List.of(reusedFirst, reusedSecond, job(finished, IMAGE).bytes()));

            DistributionSummary batches = registry.get("enhance.intake.batch").summary();
            long transactionsBefore = batches.count();
            double storedBefore = batches.totalAmount();
            int announcedBefore = queuedJobs.announced();
            var intake = channels.getPausable(JobRequestListener.CHANNEL);
            intake.pause(); // the whole burst waits in the queue, as behind a busy worker
            burst.forEach(body -> broker.publish(queues.requests(), body));
            intake.resume();

            List<byte[]> deadLettered = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                deadLettered.addAll(broker.drain(queues.deadLetter()));
                return deadLettered.size() >= rejected.size() + 1 && batches.totalAmount() - storedBefore >= burst.size();
            });

            assertThat(batches.totalAmount() - storedBefore).isEqualTo(burst.size());
            assertThat(batches.count() - transactionsBefore).as("transactions").isBetween(1L, burst.size() / 10L);
            // submission is woken by the stored jobs, so they may have moved on since
            assertThat(jobs("jobId like ?1", "new-" + run + "-%")).isEqualTo(NEW_JOBS);
            assertThat(rows("select count(*) from job_transitions t join jobs j on j.id = t.job where j.job_id like ?1"
                    + " and t.from_status is null and t.to_status = 'QUEUED' and t.at = j.created_at", "new-" + run + "-%"))
                    .as("first transitions").isEqualTo(NEW_JOBS);
            assertThat(queuedJobs.announced() - announcedBefore).isEqualTo(NEW_JOBS + 1);

            // of two different requests under one job id, whichever came first is the job and the other is rejected
            Job reused = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId("reused-" + run).orElseThrow());
            byte[] loser = reused.input.get("strength").equals(0.8) ? reusedSecond : reusedFirst;
            rejected.add(loser);
            assertThat(deadLettered).hasSize(rejected.size());
            rejected.forEach(body -> assertThat(deadLettered).anyMatch(d -> Arrays.equals(d, body)));
            assertThat(rows("select count(*) from rejected_messages where job_id like ?1", "%" + run + "%"))
                    .isEqualTo(rejected.size());
            assertThat(rows("select count(*) from outbox_events where routing_key = 'job.rejected' and subject like ?1",
                    "%" + run + "%")).isEqualTo(rejected.size());
            assertThat(rows("select count(*) from outbox_events where subject = ?1 and routing_key = 'job.rejected'"
                    + " and payload like '%job_id reused with a different request%'", existing)).isEqualTo(1);
            assertThat(QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(existing).orElseThrow()).input
                    .get("strength")).isEqualTo(0.8);
            // re-armed, and then published again as soon as the relay, woken by the commit, gets to it
            await().alias("finished job's event re-armed").atMost(Duration.ofSeconds(10)).until(() -> rows(
                    "select count(*) from outbox_events where subject = ?1 and routing_key = 'job.completed'"
                            + " and sent_at is null", finished) == 1
                    || broker.eventsFor(finished).stream().anyMatch(event -> event.routingKey().equals("job.completed")));
        }
    }

    @Test
    void storesANamedOutputKeyForOneJobOnlyWithinOneGroupAcrossGroupsAndUnderConcurrency() throws Exception {
        String keys = "keys-" + run + "/";
        List<JobIntake.Result> group = intake.acceptAll(List.of(
                named("a-1", keys + "beach/img1.jpg"), named("a-2", keys + "beach/img1.png"),
                named("a-3", keys + "beach/img1-1.jpg"), named("a-4", keys + "beach/img2-2.jpg"),
                named("a-5", keys + "beach/img2.jpg"), named("a-6", keys + "beach/img3.jpg")));

        assertThat(group).extracting(JobIntake.Result::outcome).containsExactly(JobIntake.Outcome.ACCEPTED,
                JobIntake.Outcome.REJECTED, JobIntake.Outcome.REJECTED, JobIntake.Outcome.ACCEPTED,
                JobIntake.Outcome.REJECTED, JobIntake.Outcome.ACCEPTED);
        assertThat(group.get(1).problems()).containsExactly(new RequestProblem("output.key", "s3://enhanced/" + keys
                + "beach/img1.jpg is taken by job " + run + "-a-1 (its key, or {stem}-{n} of one key for the other,"
                + " which further outputs get)"));
        assertThat(group.get(2).problems().get(0).message()).contains("job " + run + "-a-1 ");
        assertThat(group.get(4).problems().get(0).message()).contains("job " + run + "-a-4 ");
        // a later message, whoever sends it; the same request again is the same job
        assertThat(intake.acceptAll(List.of(named("b-1", keys + "beach/img3.JPEG"), named("a-6", keys + "beach/img3.jpg"))))
                .extracting(JobIntake.Result::outcome).containsExactly(JobIntake.Outcome.REJECTED, JobIntake.Outcome.DUPLICATE);

        // many workers' intakes at once, for one key and for keys that are each other's further outputs
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<JobIntake.Result>> racing = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String key = keys + "race/" + (i < 4 ? "same.jpg" : i % 2 == 0 ? "pair.jpg" : "pair-1.jpg");
                RequestMessage message = named("c-" + i, key);
                racing.add(pool.submit(() -> {
                    start.await();
                    return intake.acceptAll(List.of(message)).get(0);
                }));
            }
            start.countDown();
            List<JobIntake.Outcome> outcomes = new ArrayList<>();
            for (Future<JobIntake.Result> result : racing) {
                outcomes.add(result.get(30, TimeUnit.SECONDS).outcome());
            }
            assertThat(outcomes.subList(0, 4)).containsOnlyOnce(JobIntake.Outcome.ACCEPTED);
            assertThat(outcomes.subList(4, 8).stream().filter(JobIntake.Outcome.ACCEPTED::equals).count())
                    .as("pair.jpg, pair-1.jpg, pair.jpg, pair-1.jpg: " + outcomes.subList(4, 8)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(jobs("outputKey like ?1", keys + "%")).isEqualTo(5);
    }

    private RequestMessage named(String jobId, String key) {
        return intake.read(job(run + "-" + jobId, IMAGE).outputKey(key).bytes(), null, false, TraceContext.NONE);
    }

    private void finishWithItsEventSent(String jobId) {
        QuarkusTransaction.requiringNew().run(() -> {
            entityManager.createNativeQuery("update jobs set status = 'COMPLETED', finished_at = now() where job_id = ?1")
                    .setParameter(1, jobId).executeUpdate();
            entityManager.clear();
            // what a real completion leaves behind, so that its event follows the contract (TestBroker checks it)
            Job job = JobStore.findByJobId(jobId).orElseThrow();
            job.predictionId = "prediction-" + jobId;
            job.outputs = List.of(new StoredOutput("enhanced", jobId + "/0.jpg", "image/jpeg", 1, "0".repeat(64), 1, 1, false));
            events.jobFinished(job);
            entityManager.createNativeQuery("update outbox_events set sent_at = now() where subject = ?1")
                    .setParameter(1, jobId).executeUpdate();
        });
    }

    private static long jobs(String query, Object... parameters) {
        return QuarkusTransaction.requiringNew().call(() -> Job.count(query, parameters));
    }

    private long rows(String countQuery, Object parameter) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) entityManager.createNativeQuery(countQuery)
                .setParameter(1, parameter).getSingleResult()).longValue());
    }
}
