package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With few upstream slots, a small batch published while a big one is queued goes out alongside it,
 * a job of each in turn, and a higher priority goes before both.
 */
@QuarkusTest
@TestProfile(FairSubmissionTest.FewSlots.class)
@QuarkusTestResource(EmbeddedServices.class)
@Tag("fault-suite") // a long scenario (a profile of its own, or a storm): with the fault suite, outside the test command
class FairSubmissionTest {

    private static final int SLOTS = 4;
    private static final int BIG = 120;
    private static final int SMALL = 6;

    public static class FewSlots implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wavespeed.max-in-flight", String.valueOf(SLOTS), "wavespeed.first-poll-delay", "300ms");
        }
    }

    @Inject
    QueuesConfig queues;

    private final EmulatorSettings emulator = EmbeddedServices.emulator().settings();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void restoreLatency() {
        emulator.setMinLatencyMs(EmbeddedServices.MIN_LATENCY_MS).setMaxLatencyMs(EmbeddedServices.MAX_LATENCY_MS);
    }

    @Test
    void aSmallBatchPublishedDuringABigOneFinishesWithinSecondsWhileTheBigOneRuns() throws Exception {
        emulator.setMinLatencyMs(400).setMaxLatencyMs(400); // the big batch alone takes BIG / SLOTS x 0.4 s = 12 s
        String source = EmbeddedServices.s3().putSource("fair-" + run + ".png", TestImages.card(16, 16, 3));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < BIG; i++) {
                broker.publish(queues.requests(), job("big-" + run + "/" + i, source).batch("big-" + run).bytes());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> finished("big-" + run) >= SLOTS);
            long smallPublished = System.nanoTime();
            for (int i = 0; i < SMALL; i++) {
                broker.publish(queues.requests(), job("small-" + run + "/" + i, source).batch("small-" + run).bytes());
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> finished("small-" + run) == SMALL);
            Duration smallTook = Duration.ofNanos(System.nanoTime() - smallPublished);
            long bigLeft = BIG - finished("big-" + run);
            // taking turns: about 2 x SMALL / SLOTS rounds of 0.4 s; behind the big batch it would be over 10 s
            assertThat(smallTook).as("the small batch's time").isLessThan(Duration.ofSeconds(6));
            assertThat(bigLeft).as("big batch jobs still to finish when the small one is done").isGreaterThan(BIG / 3);
        }
    }

    @Test
    void aHigherPriorityJobGoesBeforeEveryQueuedJobOfPriorityZero() throws Exception {
        emulator.setMinLatencyMs(400).setMaxLatencyMs(400);
        String source = EmbeddedServices.s3().putSource("prio-" + run + ".png", TestImages.card(16, 16, 4));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < 60; i++) {
                broker.publish(queues.requests(), job("bulk-" + run + "/" + i, source).bytes());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> finished("bulk-" + run) >= SLOTS);
            broker.publish(queues.requests(), job("urgent-" + run, source).field("priority", 5).bytes());

            await().atMost(Duration.ofSeconds(30)).until(() -> finished("urgent-" + run) == 1);
            assertThat(60 - finished("bulk-" + run)).as("bulk jobs still to finish").isGreaterThan(30);
        }
    }

    /** Jobs whose job_id starts with {@code prefix} that have completed. */
    private long finished(String prefix) {
        return QuarkusTransaction.requiringNew().call(() -> Job.count("jobId like ?1 and status = ?2", prefix + "%",
                JobStatus.COMPLETED));
    }
}
