package io.enhance.worker.submission;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.emulator.WebhookSigner;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.StoredJobs;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A webhook whose callback URL carries a genuine tag binds its prediction to the tagged attempt, and only to it. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class WebhookTagTest {

    @Inject
    WebhookTags tags;
    @Inject
    WaveSpeedConfig config;

    private final String predictionId = UUID.randomUUID().toString().replace("-", "");

    @Test
    void bindsTheTaggedPredictionToTheUnansweredAttemptAndAppliesItsResult() {
        long job = parkUnanswered(1);

        deliver(tags.query(job, 1), 200);

        await().atMost(Duration.ofSeconds(15)).until(() -> job(job).status == JobStatus.FAILED);
        assertThat(job(job).predictionId).isEqualTo(predictionId);
        assertThat(job(job).errorCode).isEqualTo("prediction_failed");
        assertThat(QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job = ?1 and toStatus = 'SUBMITTED'", job))).singleElement()
                .matches(step -> step.detail.startsWith("found by its webhook tag:") && step.detail.contains(predictionId));
    }

    @Test
    void refusesAForgedTagAndStoresNothing() {
        long job = parkUnanswered(1);
        String genuine = tags.query(job, 1);
        String forged = genuine.substring(0, genuine.length() - 1) + (genuine.endsWith("0") ? "1" : "0");

        deliver(forged, 401);
        deliver(tags.query(job, 1).replace("attempt=1", "attempt=2"), 401);
        deliver("job=" + job + "&attempt=1", 401);

        assertThat(job(job).status).isEqualTo(JobStatus.SUBMISSION_UNKNOWN);
        assertThat(QuarkusTransaction.requiringNew().call(() -> ((Number) Job.getEntityManager()
                .createNativeQuery("select count(*) from webhook_deliveries where prediction_id = ?1")
                .setParameter(1, predictionId).getSingleResult()).longValue())).isZero();
    }

    @Test
    void neverRebindsFromTheTagOfAnEarlierAttempt() {
        long job = parkUnanswered(2);

        deliver(tags.query(job, 1), 200);

        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> job(job).status == JobStatus.SUBMISSION_UNKNOWN && job(job).predictionId == null);
    }

    @Test
    void bindsATaggedDeliveryToAJobQueuedAgainOrPausedAfterItsAttemptWasTakenForOneThatCreatedNothing() {
        long queued = parkTakenForNothingCreated(false);
        long paused = parkTakenForNothingCreated(true);

        deliver(tags.query(queued, 1), 200);
        await().atMost(Duration.ofSeconds(15)).until(() -> job(queued).status == JobStatus.FAILED);
        assertThat(job(queued).predictionId).isEqualTo(predictionId);
        assertThat(job(queued).spendUsd).as("its attempt did create a task").isEqualByComparingTo("0.025");

        String another = UUID.randomUUID().toString().replace("-", "");
        deliver(tags.query(paused, 1), 200, another);
        await().atMost(Duration.ofSeconds(15)).until(() -> job(paused).status == JobStatus.FAILED);
        assertThat(job(paused).predictionId).isEqualTo(another);
    }

    @Test
    void acceptsATagMadeBeforeTheApiKeyChanged() {
        long job = parkUnanswered(1);
        WebhookTags underTheOldKey = new WebhookTags(withApiKey("the-key-before-rotation"));

        deliver(underTheOldKey.query(job, 1), 200);

        await().atMost(Duration.ofSeconds(15)).until(() -> job(job).status == JobStatus.FAILED);
        assertThat(job(job).predictionId).isEqualTo(predictionId);
    }

    @Test
    void acceptsASignedDeliveryForAPredictionItsJobOwnsWhateverItsTagSays() {
        long job = QuarkusTransaction.requiringNew().call(() -> {
            Job parked = Job.<Job> findById(parkUnanswered(1));
            parked.submitted(predictionId, BigDecimal.ZERO, Instant.now().plus(Duration.ofHours(1)), Instant.now(), "test");
            return parked.id;
        });

        deliver("job=" + job + "&attempt=1&tag=made-with-a-key-long-gone", 200);

        await().atMost(Duration.ofSeconds(15)).until(() -> job(job).status == JobStatus.FAILED);
    }

    /** A job whose first attempt settlement took for one that created nothing, queued again (and maybe paused) for later. */
    private static long parkTakenForNothingCreated(boolean paused) {
        long id = parkUnanswered(1);
        return QuarkusTransaction.requiringNew().call(() -> {
            Job job = Job.<Job> findById(id);
            Instant now = Instant.now();
            job.submissionRefused(now.plus(Duration.ofHours(1)), now, "WaveSpeed's history shows no task for the attempt");
            if (paused) {
                Job.getEntityManager().createNativeQuery("update jobs set status = 'PAUSED' where id = ?1")
                        .setParameter(1, id).executeUpdate();
            }
            return id;
        });
    }

    /** WaveSpeed settings as the worker reads them, but for the API key. */
    private WaveSpeedConfig withApiKey(String apiKey) {
        return (WaveSpeedConfig) Proxy.newProxyInstance(WaveSpeedConfig.class.getClassLoader(),
                new Class<?>[] { WaveSpeedConfig.class }, (proxy, method, args) -> method.getName().equals("apiKey")
                        ? Optional.of(apiKey) : method.invoke(config, args));
    }

    /** A job whose {@code attempts}th submit went unanswered, left for settlement an hour from now. */
    private static long parkUnanswered(int attempts) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now();
            Job job = StoredJobs.queued("tagged-" + UUID.randomUUID(), null, Map.of("prompt", "p", "image", "https://x.test/a.png"),
                    "enhanced", "", null, null, now);
            for (int attempt = 1; attempt <= attempts; attempt++) {
                if (attempt > 1) {
                    job.submissionRefused(now, now, "proven absent");
                }
                job.startSubmission(now, Duration.ofMinutes(1), "test", BigDecimal.ZERO);
                job.sending(job.input, "tagged", true, now);
                job.submissionUnknown(now, now.plus(Duration.ofHours(1)), now, "no answer");
            }
            return job.id;
        });
    }

    private void deliver(String tagQuery, int expectedStatus) {
        deliver(tagQuery, expectedStatus, predictionId);
    }

    private void deliver(String tagQuery, int expectedStatus, String predictionId) {
        byte[] body = ("{\"id\":\"" + predictionId + "\",\"model\":\"wavespeed-ai/flux-1-srpo/image-to-image\","
                + "\"outputs\":[],\"urls\":{\"get\":\"https://api.wavespeed.ai/api/v3/predictions/" + predictionId
                + "/result\"},\"has_nsfw_contents\":[],\"status\":\"failed\",\"created_at\":\"2026-11-24T10:00:00.1Z\","
                + "\"error\":\"upstream model crashed\",\"executionTime\":812,\"timings\":{\"inference\":0}}")
                .getBytes(StandardCharsets.UTF_8);
        String id = "msg_" + UUID.randomUUID();
        long now = Instant.now().getEpochSecond();
        given().header("webhook-id", id).header("webhook-timestamp", String.valueOf(now))
                .header("webhook-signature", WebhookSigner.sign(EmbeddedServices.emulator().settings().getWebhookSecret(),
                        id, now, body))
                .body(body).post("/webhooks/wavespeed?" + tagQuery).then().statusCode(expectedStatus);
    }

    private static Job job(long id) {
        return QuarkusTransaction.requiringNew().call(() -> Job.<Job> findById(id));
    }
}
