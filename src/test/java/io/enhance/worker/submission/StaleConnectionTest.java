package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A server that closes idle keep-alive connections must not cost a submit: the worker closes its pooled
 * connections first (test profile: 1 s, against the emulator's 3 s), so no submit is sent on a dying one.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class StaleConnectionTest {

    private static final int WAVES = 3;
    private static final int JOBS_PER_WAVE = 8;
    private static final long SERVER_IDLE_TIMEOUT_MS = 3_000;

    @Inject
    QueuesConfig queues;

    @Test
    void submitsEachJobOnceWithoutAnUnknownOutcomeWhenTheServerClosesConnectionsIdleBetweenWaves() throws Exception {
        String batch = "idle-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 7));
        EmbeddedServices.emulator().settings().setIdleTimeoutMs(SERVER_IDLE_TIMEOUT_MS);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int wave = 0; wave < WAVES; wave++) {
                for (int i = 0; i < JOBS_PER_WAVE; i++) {
                    broker.publish(queues.requests(), job(batch + "/" + wave + "-" + i, source).batch(batch).bytes());
                }
                int finished = (wave + 1) * JOBS_PER_WAVE;
                await().atMost(Duration.ofSeconds(40)).until(() -> outcomes(broker, batch) == finished);
                // nothing happens while the pooled connections go idle for longer than the server keeps them
                await().during(Duration.ofMillis(SERVER_IDLE_TIMEOUT_MS + 500)).atMost(Duration.ofSeconds(10))
                        .until(() -> outcomes(broker, batch) == finished);
            }

            assertThat(broker.events().stream().filter(e -> batch.equals(e.data().path("batch_id").asText())))
                    .allMatch(e -> e.routingKey().equals("job.completed"));
            assertThat(QuarkusTransaction.requiringNew().call(() -> JobTransition.count(
                    "job in (select j.id from Job j where j.batchId = ?1) and toStatus = ?2", batch,
                    JobStatus.SUBMISSION_UNKNOWN.name()))).as("submissions of unknown outcome").isZero();
            assertThat(EmbeddedServices.emulator().submissions().stream()
                    .filter(s -> s.body().path("prompt").asText().startsWith("enhance " + batch + "/")).count())
                    .as("tasks created").isEqualTo(WAVES * JOBS_PER_WAVE);
        } finally {
            EmbeddedServices.emulator().settings().setIdleTimeoutMs(0);
        }
    }

    private static long outcomes(TestBroker broker, String batch) {
        return broker.events().stream().filter(e -> batch.equals(e.data().path("batch_id").asText())).count();
    }
}
