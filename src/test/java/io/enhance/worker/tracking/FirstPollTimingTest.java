package io.enhance.worker.tracking;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
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

/** Polling only: the first poll is timed from the inference times the worker has seen, so it finds the job done. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class FirstPollTimingTest {

    /** Long enough against the poller's 1 s tick for the configured 200 ms schedule to take three polls or more. */
    private static final Duration LATENCY = Duration.ofSeconds(3);
    /** More than enough for the running estimate to forget the latencies of earlier tests. */
    private static final int WARM_UP_JOBS = 15;
    private static final int MEASURED_JOBS = 20;

    @Inject
    QueuesConfig queues;

    private final EmulatorSettings emulator = EmbeddedServices.emulator().settings();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void restoreTheLatency() {
        EmulatorSettings defaults = new EmulatorSettings();
        emulator.setMaxLatencyMs(defaults.getMaxLatencyMs()).setMinLatencyMs(defaults.getMinLatencyMs());
    }

    @Test
    void atASteadyInferenceTimeAJobTakesAtMostOneAndAHalfPollsOnAverageAfterWarmUp() throws Exception {
        emulator.setMinLatencyMs(LATENCY.toMillis()).setMaxLatencyMs(LATENCY.toMillis());
        String source = EmbeddedServices.s3().putSource("poll-" + run + ".png", TestImages.card(16, 16, 4));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            runBatch(broker, "warm-" + run, WARM_UP_JOBS, source);
            List<Job> measured = runBatch(broker, "measured-" + run, MEASURED_JOBS, source);

            double polls = measured.stream().mapToInt(job -> job.polls).average().orElseThrow();
            assertThat(polls).as("polls per job").isLessThanOrEqualTo(1.5);
        }
    }

    private List<Job> runBatch(TestBroker broker, String batch, int jobs, String source) {
        for (int i = 0; i < jobs; i++) {
            broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> jobsOf(batch).stream()
                .filter(job -> job.status == JobStatus.COMPLETED).count() == jobs);
        return jobsOf(batch);
    }

    private static List<Job> jobsOf(String batch) {
        return QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batch));
    }
}
