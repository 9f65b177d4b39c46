package io.enhance.worker.jobs;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.get;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.testing.EmbeddedServices;
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
        double createdBefore = metric(created);
        double finishedBefore = metric(finished);
        double endToEndBefore = metric(endToEnd);
        double acceptedBefore = metric(accepted);
        double queueWaitBefore = metric("enhance_queue_wait_seconds_count");
        double deliveryBefore = metric("enhance_delivery_duration_seconds_count");
        double inferenceBefore = metric("enhance_upstream_inference_seconds_count");
        String batch = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 3));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < JOBS; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> broker.events().stream()
                    .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() == JOBS);
        }

        assertThat(metric(created) - createdBefore).isEqualTo(JOBS);
        assertThat(metric(accepted) - acceptedBefore).isEqualTo(JOBS);
        // other test classes' jobs may still be finishing, never fewer than these
        assertThat(metric(finished) - finishedBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(metric(endToEnd) - endToEndBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(metric("enhance_queue_wait_seconds_count") - queueWaitBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(metric("enhance_delivery_duration_seconds_count") - deliveryBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(metric("enhance_upstream_inference_seconds_count") - inferenceBefore).isGreaterThanOrEqualTo(JOBS);
        assertThat(metric("enhance_queue_wait_seconds_bucket\\{le=\"\\+Inf\"\\}"))
                .isEqualTo(metric("enhance_queue_wait_seconds_count"));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            assertThat(metric("enhance_jobs\\{status=\"completed\"\\}")).isGreaterThanOrEqualTo(JOBS);
            assertThat(metric("enhance_spend_usd")).isGreaterThanOrEqualTo(0.025 * JOBS - 1e-9);
            assertThat(metric("enhance_spend_today_usd")).isGreaterThanOrEqualTo(0.025 * JOBS - 1e-9);
        });
        assertThat(metric("enhance_in_flight_predictions")).isGreaterThanOrEqualTo(0);
        assertThat(metric("enhance_event_relay_lag_seconds")).isGreaterThanOrEqualTo(0);
        assertThat(metric("enhance_account_refused_seconds")).isZero();
    }

    @Test
    void readinessCoversTheDatabaseTheBrokerS3AndWaveSpeed() {
        JsonPath health = get("/q/health/ready").then().statusCode(200).extract().jsonPath();

        assertThat(health.getList("checks.name", String.class))
                .contains("s3", "wavespeed-account").anyMatch(name -> name.contains("Database"))
                .anyMatch(name -> name.toLowerCase(java.util.Locale.ROOT).contains("messaging"));
        assertThat(health.getList("checks.status", String.class)).containsOnly("UP");
    }

    /** The value of the first sample whose name and labels match {@code selector}; fails if there is none. */
    private static double metric(String selector) {
        String text = given().header("Authorization", "Bearer test-admin-token").get("/q/metrics").then().statusCode(200)
                .extract().asString();
        Matcher sample = Pattern.compile("(?m)^" + selector + " ([0-9.eE+-]+)$").matcher(text);
        assertThat(sample.find()).as("metric %s in%n%s", selector, text).isTrue();
        return Double.parseDouble(sample.group(1));
    }
}
