package io.enhance.worker.jobs;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.ScrapedMetrics;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** /q/metrics counts what the worker did and shows the database's jobs; /q/health/ready covers every outside system. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class MetricsAndHealthTest {

    private static final int JOBS = 3;

    @Inject
    QueuesConfig queues;

    @Test
    void metricsCountSubmissionsOutcomesStageTimesSpendAndInFlightPredictions() throws Exception {
        String created = "enhance_submissions_total\\{result=\"created\"\\}";
        String finished = "enhance_jobs_finished_total\\{status=\"completed\"\\}";
        String endToEnd = "enhance_end_to_end_seconds_count\\{status=\"completed\"\\}";
        String accepted = "enhance_requests_total\\{outcome=\"accepted\"\\}";
        double createdBefore = ScrapedMetrics.value(created);
        double finishedBefore = ScrapedMetrics.value(finished);
        double endToEndBefore = ScrapedMetrics.value(endToEnd);
        double acceptedBefore = ScrapedMetrics.value(accepted);
        double queueWaitBefore = ScrapedMetrics.value("enhance_queue_wait_seconds_count");
        double deliveryBefore = ScrapedMetrics.value("enhance_delivery_duration_seconds_count");
        double inferenceBefore = ScrapedMetrics.value("enhance_upstream_inference_seconds_count");
        String submissionClaims = "enhance_claim_duration_seconds_count\\{claim=\"submission\"\\}";
        String stageClaims = "enhance_claim_duration_seconds_count\\{claim=\"stage\"\\}";
        double submissionClaimsBefore = ScrapedMetrics.value(submissionClaims);
        double stageClaimsBefore = ScrapedMetrics.value(stageClaims);
        String batch = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 3));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < JOBS; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> broker.events().stream()
                    .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() == JOBS);
        }

        assertThat(ScrapedMetrics.value(created) - createdBefore).isEqualTo(JOBS);
        assertThat(ScrapedMetrics.value(accepted) - acceptedBefore).isEqualTo(JOBS);
        // other test classes' jobs may still be finishing, never fewer than these
        assertThat(ScrapedMetrics.value(finished) - finishedBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(ScrapedMetrics.value(endToEnd) - endToEndBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(ScrapedMetrics.value("enhance_queue_wait_seconds_count") - queueWaitBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(ScrapedMetrics.value("enhance_delivery_duration_seconds_count") - deliveryBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(ScrapedMetrics.value("enhance_upstream_inference_seconds_count") - inferenceBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(ScrapedMetrics.value("enhance_queue_wait_seconds_bucket\\{le=\"\\+Inf\"\\}"))
                .isEqualTo(ScrapedMetrics.value("enhance_queue_wait_seconds_count"));
        // each job was claimed for submission, then for delivery at least
        assertThat(ScrapedMetrics.value(submissionClaims) - submissionClaimsBefore).isGreaterThanOrEqualTo(1);
        assertThat(ScrapedMetrics.value(stageClaims) - stageClaimsBefore).isGreaterThanOrEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(ScrapedMetrics.value("enhance_jobs\\{status=\"completed\"\\}")).isGreaterThanOrEqualTo(JOBS);
            assertThat(ScrapedMetrics.value("enhance_spend_usd")).isGreaterThanOrEqualTo(0.025 * JOBS - 1e-9);
            assertThat(ScrapedMetrics.value("enhance_spend_today_usd")).isGreaterThanOrEqualTo(0.025 * JOBS - 1e-9);
        });
        assertThat(ScrapedMetrics.value("enhance_in_flight_predictions")).isGreaterThanOrEqualTo(0);
        assertThat(ScrapedMetrics.value("enhance_event_relay_lag_seconds")).isGreaterThanOrEqualTo(0);
        assertThat(ScrapedMetrics.value("enhance_account_refused_seconds")).isZero();
    }

    @Test
    void readinessCoversTheDatabaseTheBrokerS3WaveSpeedAndTheStages() {
        JsonPath health = get("/q/health/ready").then().statusCode(200).extract().jsonPath();

        assertThat(health.getList("checks.name", String.class))
                .contains("s3", "wavespeed-account", "stages").anyMatch(name -> name.contains("Database"))
                .anyMatch(name -> name.toLowerCase(java.util.Locale.ROOT).contains("messaging"));
        assertThat(health.getList("checks.status", String.class)).containsOnly("UP");
    }
}
