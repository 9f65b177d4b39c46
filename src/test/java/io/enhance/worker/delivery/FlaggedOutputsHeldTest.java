package io.enhance.worker.delivery;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.NodeScripts;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.tracking.WebhooksOn;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * With {@code S3_FLAGGED_OUTPUTS=hold}, a job whose output WaveSpeed flags never reaches its own keys: it fails
 * {@code output_flagged}, its outputs are held for review under {@code {job_id}/flagged/}, its task stays paid, and
 * a retry submits a new one. An unflagged job beside it is delivered as always. Webhooks on, so that a flagged
 * result also arrives that way.
 */
@QuarkusTest
@TestProfile(WebhooksOn.class)
@QuarkusTestResource(EmbeddedServices.class)
class FlaggedOutputsHeldTest {

    private static final String TOKEN = "test-admin-token";
    private static final String BUCKET = "enhanced";

    @Inject
    QueuesConfig queues;

    @Inject
    EntityManager entityManager;

    private final String run = "held-" + UUID.randomUUID().toString().substring(0, 8);

    @Test
    void aFlaggedJobFailsOutputFlaggedWithItsOutputHeldForReviewAndNothingUnderItsOwnKeys() throws Exception {
        String flagged = run + "/flagged";
        String plain = run + "/plain";
        String source = EmbeddedServices.s3().putSource(run + ".png", TestImages.card(16, 16, 5));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(flagged, source).input("prompt",
                    "a portrait, " + EmulatorSettings.DEFAULT_FLAGGED_PROMPT).bytes());
            broker.publish(queues.requests(), job(plain, source).bytes());
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(flagged).isEmpty()
                    && !broker.eventsFor(plain).isEmpty());

            TestBroker.ReceivedEvent failed = broker.eventsFor(flagged).get(0);
            assertThat(failed.routingKey()).isEqualTo("job.failed");
            assertThat(failed.data().path("error").path("code").asText()).isEqualTo("output_flagged");
            assertThat(failed.data().path("error").path("message").asText())
                    .contains("s3://" + BUCKET + "/" + run + "%2Fflagged/flagged/");
            JsonNode held = failed.data().path("outputs").path(0);
            assertThat(held.path("key").asText()).isEqualTo(run + "%2Fflagged/flagged/0.jpg");
            assertThat(held.path("has_nsfw_contents").asBoolean()).isTrue();

            JsonNode delivered = broker.eventsFor(plain).get(0).data();
            assertThat(broker.eventsFor(plain).get(0).routingKey()).isEqualTo("job.completed");
            assertThat(delivered.path("outputs").path(0).path("key").asText()).isEqualTo(run + "%2Fplain/0.jpg");
            assertThat(delivered.path("outputs").path(0).path("has_nsfw_contents").isBoolean()).isTrue();
            assertThat(delivered.path("outputs").path(0).path("has_nsfw_contents").asBoolean()).isFalse();
            broker.assertEventsFollowTheContract();

            Job job = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(flagged).orElseThrow());
            assertThat(catchThrowable(() -> EmbeddedServices.s3().get(BUCKET, run + "%2Fflagged/0.jpg")))
                    .as("nothing under the job's own key").isInstanceOf(NoSuchKeyException.class);
            byte[] review = EmbeddedServices.s3().get(BUCKET, held.path("key").asText());
            assertThat(review).as("the review copy is WaveSpeed's output, byte for byte")
                    .isEqualTo(emulatorOutput(job.predictionId));
            assertThat(sha256(review)).isEqualTo(held.path("sha256").asText());
            assertThat(job.spendUsd).as("its task was paid").isEqualByComparingTo(new BigDecimal("0.025"));
            assertThat(job.retryKind(java.time.Instant.now())).isEqualTo(Job.RetryKind.PAYS_AGAIN);
        }
    }

    @Test
    void retryingAnOutputFlaggedJobSubmitsANewPaidTask() throws Exception {
        String flagged = run + "/again";
        String source = EmbeddedServices.s3().putSource(run + "-again.png", TestImages.card(16, 16, 6));
        String prompt = "retry " + flagged + ", " + EmulatorSettings.DEFAULT_FLAGGED_PROMPT;
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(flagged, source).input("prompt", prompt).bytes());
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(flagged).isEmpty());

            given().header("Authorization", "Bearer " + TOKEN).post("/api/jobs/" + flagged + "/retry")
                    .then().statusCode(409).body("message", containsString("a retry submits a new task and pays for it again"));
            given().header("Authorization", "Bearer " + TOKEN)
                    .post("/api/jobs/" + flagged + "/retry?pay_again=true")
                    .then().statusCode(200).body("status", equalTo(JobStatus.QUEUED.name()));

            // the same prompt is flagged again: a second paid task, held for review like the first
            await().atMost(Duration.ofSeconds(60)).until(() -> broker.eventsFor(flagged).stream()
                    .filter(event -> event.routingKey().equals("job.failed")).count() == 2);
        }
        assertThat(EmbeddedServices.emulator().submissions().stream()
                .filter(submission -> submission.body().path("prompt").asText().equals(prompt)))
                .as("the ledger shows a submit per attempt").hasSize(2);
        Job job = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(flagged).orElseThrow());
        assertThat(job.attempts).isEqualTo(2);
        assertThat(job.spendUsd).as("both tasks paid").isEqualByComparingTo(new BigDecimal("0.050"));
        assertThat(job.errorCode).isEqualTo(Job.OUTPUT_FLAGGED);
    }

    /**
     * In Chromium (as {@code DashboardBrowserIT}, but against this test's worker): a flagged thumbnail is blurred until
     * clicked, the held job's output too, and its Retry button says that it submits a new paid task, and does.
     */
    @Test
    void theDashboardBlursFlaggedOutputsUntilClickedAndRetriesAHeldJobAsANewPaidTask() throws Exception {
        Path work = NodeScripts.browserScript(Path.of("target/dashboard-browser"), "flagged-check.mjs");
        String held = run + "/review";
        String delivered = run + "/shown";
        String source = EmbeddedServices.s3().putSource(run + "-browser.png", TestImages.card(16, 16, 7));
        String prompt = "browser " + held + ", " + EmulatorSettings.DEFAULT_FLAGGED_PROMPT;
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(held, source).input("prompt", prompt).bytes());
            broker.publish(queues.requests(), job(delivered, source).bytes());
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(held).isEmpty()
                    && !broker.eventsFor(delivered).isEmpty());
        }
        // as S3_FLAGGED_OUTPUTS=deliver would have left it: completed, its output flagged
        QuarkusTransaction.requiringNew().run(() -> entityManager.createNativeQuery("""
                update jobs set has_nsfw_contents = '[true]', outputs = jsonb_set(outputs, '{0,has_nsfw_contents}', 'true')
                where job_id = ?1""").setParameter(1, delivered).executeUpdate());

        Map<String, JsonNode> checks = NodeScripts.checks(NodeScripts.run(work, List.of("node", "flagged-check.mjs"), Map.of(
                "BASE_URL", "http://127.0.0.1:" + WebhooksOn.PORT, "API_TOKEN", TOKEN,
                "FLAGGED_JOB_ID", delivered, "HELD_JOB_ID", held), 120));

        assertThat(checks).doesNotContainKey("page-error");
        assertThat(checks.get("thumb").path("blurred").asBoolean()).isTrue();
        assertThat(checks.get("thumb").path("filter").asText()).startsWith("blur(");
        assertThat(checks.get("thumb").path("label").asText()).contains("flagged as NSFW").contains("click to show");
        assertThat(checks.get("thumb-clicked").path("blurred").asBoolean()).isFalse();
        assertThat(checks.get("thumb-clicked").path("filter").asText()).isEqualTo("none");
        assertThat(checks.get("thumb-clicked").path("dialog").asBoolean()).as("the first click only shows it").isFalse();
        assertThat(checks.get("held-row").path("retry").asText()).isEqualTo("Retry (new paid task, $0.025)");
        assertThat(checks.get("held-row").path("title").asText()).startsWith("Retry submits a new paid task ($0.025)");
        assertThat(checks.get("review").path("blurred").asBoolean()).isTrue();
        assertThat(checks.get("review").path("caption").asText()).contains("flagged as NSFW");
        assertThat(checks.get("review-clicked").path("blurred").asBoolean()).isFalse();
        assertThat(checks.get("retry").path("confirmation").asText()).startsWith("Retry submits a new paid task ($0.025)");
        assertThat(checks.get("retry").path("status").asInt()).isEqualTo(200);
        assertThat(checks.get("retry").path("url").asText()).endsWith("pay_again=true");
        await().atMost(Duration.ofSeconds(30)).until(() -> EmbeddedServices.emulator().submissions().stream()
                .filter(submission -> submission.body().path("prompt").asText().equals(prompt)).count() == 2);
    }

    private static byte[] emulatorOutput(String predictionId) throws Exception {
        HttpResponse<byte[]> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(EmbeddedServices.emulator().baseUrl() + "/outputs/" + predictionId + "/0.jpeg"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer.body();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
