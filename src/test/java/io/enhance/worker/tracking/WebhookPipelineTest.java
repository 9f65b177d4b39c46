package io.enhance.worker.tracking;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestBroker.ReceivedEvent;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Webhooks are the fast path and polling the safety net: lost webhooks delay jobs, never strand them. */
@Tag("fault-suite") // 70 s of lost webhooks: with the fault suite, outside the test command
@QuarkusTest
@TestProfile(WebhooksOn.class)
@QuarkusTestResource(EmbeddedServices.class)
class WebhookPipelineTest {

    private static final int JOBS = 200;

    @Inject
    QueuesConfig queues;

    @Test
    void completesEveryJobWhenAFifthOfTheWebhooksAreLostAndMostFinishLongBeforeTheSafetyNet() throws Exception {
        EmbeddedServices.emulator().settings().setWebhookLossRate(0.2);
        String batch = "webhooks-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 3));
        Map<String, Instant> published = new HashMap<>();
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < JOBS; i++) {
                String jobId = batch + "/" + i;
                broker.publish(queues.requests(), job(jobId, source).batch(batch).bytes());
                published.put(jobId, Instant.now());
            }

            await().atMost(Duration.ofSeconds(180)).until(() -> completed(broker, batch).size() == JOBS);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> broker.events().stream().filter(e -> e.event().path("subject").asText()
                            .startsWith(batch + "/")).count() == JOBS);

            List<Duration> latencies = completed(broker, batch).stream()
                    .map(e -> Duration.between(published.get(e.event().path("subject").asText()), e.receivedAt()))
                    .sorted().toList();
            Duration median = latencies.get(JOBS / 2);
            Duration safetyNet = Duration.ofSeconds(WebhooksOn.SAFETY_NET_POLL_SECONDS);
            long caughtBySafetyNet = latencies.stream().filter(d -> d.compareTo(safetyNet) >= 0).count();
            System.out.printf("webhooks: %d jobs, median %d ms, %d finished only after the %s safety-net poll%n",
                    JOBS, median.toMillis(), caughtBySafetyNet, safetyNet);

            assertThat(median).isLessThan(safetyNet.dividedBy(3));
            assertThat(caughtBySafetyNet).as("jobs whose webhook was lost").isBetween(10L, 80L);
            assertThat(EmbeddedServices.emulator().submissions().stream()
                    .filter(s -> s.body().path("prompt").asText().startsWith("enhance " + batch + "/")).count())
                    .isEqualTo(JOBS);
            assertThat(EmbeddedServices.emulator().submissions().stream()
                    .filter(s -> s.body().path("prompt").asText().startsWith("enhance " + batch + "/"))
                    .allMatch(s -> s.webhookUrl().matches("http://127\\.0\\.0\\.1:" + WebhooksOn.PORT
                            + "/webhooks/wavespeed\\?job=\\d+&attempt=1&tag=[0-9a-f]{64}")))
                    .isTrue();
            assertThat(QuarkusTransaction.requiringNew().call(
                    () -> Job.count("batchId = ?1 and webhookTracked = true", batch))).isEqualTo(JOBS);
        } finally {
            EmbeddedServices.emulator().settings().setWebhookLossRate(0);
        }
    }

    private static List<ReceivedEvent> completed(TestBroker broker, String batch) {
        return broker.events().stream()
                .filter(e -> "job.completed".equals(e.routingKey()) && batch.equals(e.data().path("batch_id").asText()))
                .toList();
    }
}
