package io.enhance.worker.tracking;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** A secret rotated at WaveSpeed is fetched again after repeated mismatches; the old one is honoured for a grace period. */
@QuarkusTest
@TestProfile(WebhookSecretRotationTest.WebhooksWithQuickRefetch.class)
@QuarkusTestResource(EmbeddedServices.class)
class WebhookSecretRotationTest {

    private static final int JOBS = 4;
    private static final int SAFETY_NET_POLL_SECONDS = 120;

    /** Webhooks on a free port; the polling safety net far beyond the test, so only webhooks can finish jobs. */
    public static class WebhooksWithQuickRefetch implements QuarkusTestProfile {
        private static final int PORT = freePort();

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.test-port", String.valueOf(PORT),
                    "wavespeed.webhook-url", "http://127.0.0.1:" + PORT,
                    "wavespeed.webhook-poll-delay", SAFETY_NET_POLL_SECONDS + "s",
                    "wavespeed.webhook-secret-refetch-interval", "2s");
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    QueuesConfig queues;

    @Test
    void acceptsWebhooksSignedWithTheRotatedSecretAfterARefetchAndTheOldOneWithinTheGrace() throws Exception {
        String batch = "rotation-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 8));
        String oldSecret = EmbeddedServices.emulator().settings().getWebhookSecret();
        EmbeddedServices.emulator().settings().setWebhookSecret("whsec_rotated-" + batch);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < JOBS; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }

            await().atMost(Duration.ofSeconds(45)).until(() -> broker.events().stream()
                    .filter(e -> batch.equals(e.data().path("batch_id").asText())).count() == JOBS);
            assertThat(broker.events().stream().filter(e -> batch.equals(e.data().path("batch_id").asText())))
                    .allMatch(e -> e.routingKey().equals("job.completed"));

            String predictionId = QuarkusTransaction.requiringNew().call(
                    () -> JobStore.findByJobId(batch + "/0").orElseThrow().predictionId);
            byte[] body = ("{\"id\":\"" + predictionId + "\",\"status\":\"completed\",\"outputs\":[]}")
                    .getBytes(StandardCharsets.UTF_8);
            assertThat(post("msg_old_" + batch, oldSecret, body)).as("signed with the old secret, within the grace")
                    .isEqualTo(200);
            assertThat(post("msg_forged_" + batch, "whsec_never-issued", body)).as("signed with a secret never issued")
                    .isEqualTo(401);
        } finally {
            EmbeddedServices.emulator().settings().setWebhookSecret(oldSecret);
        }
    }

    private static int post(String id, String secret, byte[] body) {
        long now = Instant.now().getEpochSecond();
        return given().header("webhook-id", id).header("webhook-timestamp", String.valueOf(now))
                .header("webhook-signature", "v3," + WebhookSignatures.sign(secret, id, now, body)).body(body)
                .post("/webhooks/wavespeed").statusCode();
    }
}
