package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.ScrapedMetrics;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The submit stage keeps to the images per minute; a 429 teaches it the lower rate the account really
 * allows, and never cuts its concurrency cap.
 */
@QuarkusTest
@TestProfile(TierWiringTest.FiveAMinute.class)
@QuarkusTestResource(EmbeddedServices.class)
@Tag("fault-suite") // a long scenario (a profile of its own, or a storm): with the fault suite, outside the test command
class TierWiringTest {

    private static final int PER_MINUTE = 5;
    private static final int ACCOUNT_PER_MINUTE = 3;
    private static final int CAP = 20;

    public static class FiveAMinute implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wavespeed.images-per-minute", String.valueOf(PER_MINUTE),
                    "wavespeed.max-in-flight", String.valueOf(CAP));
        }
    }

    @Inject
    QueuesConfig queues;

    @Test
    void anAccountThatAllowsFewerThanConfiguredTeachesItsRateByA429AndLeavesTheConcurrencyCapAlone() throws Exception {
        String batch = "rate-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 6));
        EmbeddedServices.emulator().settings().setImagesPerMinute(ACCOUNT_PER_MINUTE);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < 8; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }

            // the account's three complete; the submits past them are answered 429 until the worker has learned
            // the account's rate, and the rest wait out the minute
            await().atMost(Duration.ofSeconds(30)).until(() -> count(batch, JobStatus.COMPLETED) == ACCOUNT_PER_MINUTE);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ScrapedMetrics.value("enhance_submission_rate_limit_submissions") == ACCOUNT_PER_MINUTE);
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() ->
                    count(batch, JobStatus.COMPLETED) == ACCOUNT_PER_MINUTE
                            && count(batch, JobStatus.QUEUED) == 8 - ACCOUNT_PER_MINUTE);
        } finally {
            EmbeddedServices.emulator().settings().setImagesPerMinute(0);
        }
        assertThat(ScrapedMetrics.value("enhance_concurrency_cap_predictions")).isEqualTo(CAP);
    }

    private static long count(String batch, JobStatus status) {
        return jobsOf(batch).stream().filter(job -> job.status == status).count();
    }

    private static List<Job> jobsOf(String batch) {
        return QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batch));
    }
}
