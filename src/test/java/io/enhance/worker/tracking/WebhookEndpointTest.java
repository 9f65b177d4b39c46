package io.enhance.worker.tracking;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import java.nio.charset.StandardCharsets;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.WebhookSigner;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredJobs;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Only a valid, fresh, first-time signature moves a job; everything else gets 401 and changes nothing. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class WebhookEndpointTest {

    @Inject
    WebhookDeliveries deliveries;

    private String predictionId;
    private String jobId;
    private byte[] failedBody;

    @BeforeEach
    void parkAJobWaitingForItsWebhook() {
        predictionId = UUID.randomUUID().toString().replace("-", "");
        jobId = "webhook-" + predictionId.substring(0, 8);
        QuarkusTransaction.requiringNew().run(() -> {
            Instant now = Instant.now();
            Job job = StoredJobs.queued(jobId, null, Map.of("prompt", "p", "image", "https://x.test/a.png"), "enhanced", "",
                    null, null, now);
            job.startSubmission(now, Duration.ofMinutes(1), "test", java.math.BigDecimal.ZERO);
            job.sending(job.input, "test", true, now);
            job.submitted(predictionId, BigDecimal.ZERO, now.plus(Duration.ofHours(1)), now, "test");
        });
        failedBody = ("{\"id\":\"" + predictionId + "\",\"model\":\"wavespeed-ai/flux-1-srpo/image-to-image\","
                + "\"outputs\":[],\"urls\":{\"get\":\"https://api.wavespeed.ai/api/v3/predictions/" + predictionId
                + "/result\"},\"has_nsfw_contents\":[],\"status\":\"failed\",\"created_at\":\"2026-11-24T10:00:00.1Z\","
                + "\"error\":\"upstream model crashed\",\"executionTime\":812,\"timings\":{\"inference\":0}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void refusesForgedStaleFutureAndUnsignedDeliveriesAndLeavesTheJobUntouched() {
        long now = Instant.now().getEpochSecond();
        long versionBefore = job().version;
        byte[] tampered = failedBody.clone();
        tampered[20] ^= 1;

        post("msg_1", now, WebhookSigner.sign("whsec_wrong", "msg_1", now, failedBody), failedBody, 401);
        post("msg_2", now, sign("msg_2", now, failedBody), tampered, 401);
        post("msg_3", now - 301, sign("msg_3", now - 301, failedBody), failedBody, 401);
        post("msg_4", now + 301, sign("msg_4", now + 301, failedBody), failedBody, 401);
        post("msg_5", now, null, failedBody, 401);
        post(null, now, sign("msg_6", now, failedBody), failedBody, 401);

        Job job = job();
        assertThat(job.status).isEqualTo(JobStatus.SUBMITTED);
        assertThat(job.version).isEqualTo(versionBefore);
        assertThat(storedDeliveries()).isZero();
    }

    @Test
    void appliesAValidDeliveryOnceAndRefusesItsReplay() {
        long now = Instant.now().getEpochSecond();
        String signature = sign("msg_ok", now, failedBody);

        post("msg_ok", now, signature, failedBody, 200);
        await().atMost(Duration.ofSeconds(15)).until(() -> job().status == JobStatus.FAILED);
        given().header("webhook-id", "msg_ok").header("webhook-timestamp", String.valueOf(now))
                .header("webhook-signature", signature).body(failedBody)
                .post("/webhooks/wavespeed").then().statusCode(401).body(containsString("replay"));

        Job job = job();
        assertThat(job.errorCode).isEqualTo("prediction_failed");
        assertThat(job.errorMessage).contains("upstream model crashed");
        assertThat(storedDeliveries()).isEqualTo(1);
    }

    @Test
    void appliesAValidDeliveryEvenBehindMoreThanABatchOfDeliveriesForUnknownPredictions() {
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < 150; i++) {
                deliveries.storeIfNew("msg_orphan_" + predictionId + "_" + i, 1, "unknown-" + i, "{}", Optional.empty());
            }
            // stored as if its job had been unknown on arrival: only a round applies it
            deliveries.storeIfNew("msg_after_orphans", 1, predictionId, new String(failedBody, StandardCharsets.UTF_8),
                    Optional.empty());
        });

        await().atMost(Duration.ofSeconds(15)).until(() -> job().status == JobStatus.FAILED);
    }

    private static String sign(String id, long timestamp, byte[] body) {
        return WebhookSigner.sign(EmbeddedServices.emulator().settings().getWebhookSecret(), id, timestamp, body);
    }

    private static void post(String id, long timestamp, String signature, byte[] body, int expectedStatus) {
        var request = given().header("webhook-timestamp", String.valueOf(timestamp)).body(body);
        if (id != null) {
            request.header("webhook-id", id);
        }
        if (signature != null) {
            request.header("webhook-signature", signature);
        }
        request.post("/webhooks/wavespeed").then().statusCode(expectedStatus);
    }

    private Job job() {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow());
    }

    private long storedDeliveries() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) Job.getEntityManager()
                .createNativeQuery("select count(*) from webhook_deliveries where prediction_id = ?1")
                .setParameter(1, predictionId).getSingleResult()).longValue());
    }
}
