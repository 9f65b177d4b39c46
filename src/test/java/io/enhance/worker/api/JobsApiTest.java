package io.enhance.worker.api;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The job status API and the metrics answer only to the bearer token; the job API shows where a job stands. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class JobsApiTest {

    private static final String TOKEN = "test-admin-token";

    @Inject
    QueuesConfig queues;

    @Test
    void refusesCallsWithoutTheTokenAndShowsAJobToThoseWithIt() throws Exception {
        String jobId = "api-" + UUID.randomUUID().toString().substring(0, 8) + "/0";
        String source = EmbeddedServices.s3().putSource(jobId.replace('/', '-') + ".png", TestImages.card(16, 16, 4));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(jobId, source).bytes());
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(jobId).isEmpty());
        }

        given().get("/api/jobs/" + jobId).then().statusCode(401).header("WWW-Authenticate", "Bearer");
        given().header("Authorization", "Bearer wrong-" + TOKEN).get("/api/jobs/" + jobId).then().statusCode(401);
        given().header("Authorization", "Bearer " + TOKEN).get("/api/jobs/" + jobId).then().statusCode(200)
                .body("job_id", equalTo(jobId)).body("status", equalTo("COMPLETED")).body("spend_usd", equalTo(0.025f))
                .body("transitions[0].to", equalTo("QUEUED"));
        given().header("Authorization", "Bearer " + TOKEN).get("/api/jobs/no-such-job").then().statusCode(404);
        given().get("/q/metrics").then().statusCode(401);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void carriesWaveSpeedsNsfwFlagPerOutputIntoTheEventTheJobViewAndTheListingAndDeliversFlaggedOutputsByDefault()
            throws Exception {
        String run = "nsfw-" + UUID.randomUUID().toString().substring(0, 8);
        String flagged = run + "/flagged";
        String plain = run + "/plain";
        String source = EmbeddedServices.s3().putSource(run + ".png", TestImages.card(16, 16, 2));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(flagged, source).batch(run)
                    .input("prompt", "a beach, " + EmulatorSettings.DEFAULT_FLAGGED_PROMPT).bytes());
            broker.publish(queues.requests(), job(plain, source).batch(run).bytes());
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(flagged).isEmpty()
                    && !broker.eventsFor(plain).isEmpty());

            assertThat(broker.eventsFor(flagged).get(0).routingKey()).as("S3_FLAGGED_OUTPUTS=deliver").isEqualTo("job.completed");
            assertThat(broker.eventsFor(flagged).get(0).data().path("outputs").path(0).path("has_nsfw_contents").asBoolean())
                    .isTrue();
            assertThat(broker.eventsFor(plain).get(0).data().path("outputs").path(0).path("has_nsfw_contents").isBoolean())
                    .isTrue();
            assertThat(broker.eventsFor(plain).get(0).data().path("outputs").path(0).path("has_nsfw_contents").asBoolean())
                    .isFalse();
            broker.assertEventsFollowTheContract();
        }

        given().header("Authorization", "Bearer " + TOKEN).get("/api/jobs/" + flagged).then()
                .statusCode(200).body("outputs[0].has_nsfw_contents", equalTo(true));
        given().header("Authorization", "Bearer " + TOKEN).get("/api/jobs/" + plain).then()
                .statusCode(200).body("outputs[0].has_nsfw_contents", equalTo(false));
        given().header("Authorization", "Bearer " + TOKEN).get("/api/jobs?batch_id=" + run).then().statusCode(200)
                .body("jobs.find { it.job_id == '" + flagged + "' }.flagged", equalTo(true))
                .body("jobs.find { it.job_id == '" + plain + "' }.flagged", equalTo(false));
    }

    @Test
    void comparesTheTokenWholeAndIgnoresNothingButTheSchemeCase() {
        assertThat(ApiTokenMechanism.bearerToken("Bearer " + TOKEN)).hasValue(TOKEN);
        assertThat(ApiTokenMechanism.bearerToken("bearer " + TOKEN)).hasValue(TOKEN);
        assertThat(ApiTokenMechanism.bearerToken("Basic " + TOKEN)).isEmpty();
        assertThat(ApiTokenMechanism.bearerToken(null)).isEmpty();
        assertThat(ApiTokenIdentityProvider.matches(TOKEN, TOKEN)).isTrue();
        assertThat(ApiTokenIdentityProvider.matches(TOKEN.substring(1), TOKEN)).isFalse();
        assertThat(ApiTokenIdentityProvider.matches(TOKEN + "x", TOKEN)).isFalse();
    }
}
