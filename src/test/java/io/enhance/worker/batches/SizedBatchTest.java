package io.enhance.worker.batches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestBroker.ReceivedEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** A batch that says its size is reported complete once, by one batch.completed event, when its last job ends. */
@QuarkusTest
@TestProfile(UploadedSources.class)
@QuarkusTestResource(EmbeddedServices.class)
class SizedBatchTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    QueuesConfig queues;
    @Inject
    BatchReports reports;

    @Test
    void sendsOneBatchCompletedEventWithCountsCostAndFailedJobsWhenEverySizedJobHasEnded() throws Exception {
        BatchJobs batch = new BatchJobs("sized-" + UUID.randomUUID().toString().substring(0, 8), 4);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < 3; i++) {
                broker.publish(queues.requests(), batch.request(i, i == 1));
            }
            await().atMost(TIMEOUT).until(() -> batch.statuses().size() == 3 && reports.batch(batch.batch())
                    .map(summary -> summary.ended() == 3).orElse(false));
            assertThat(completions(broker, batch)).as("three of four jobs ended").isEmpty();
            assertThat(reports.batch(batch.batch()).orElseThrow().state()).isEqualTo("running");

            broker.publish(queues.requests(), batch.request(3, false));
            await().atMost(TIMEOUT).until(() -> completions(broker, batch).size() == 1);
            // no second event on later folds
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> completions(broker, batch).size() == 1);

            JsonNode data = completions(broker, batch).get(0).data();
            assertThat(data.path("batch_id").asText()).isEqualTo(batch.batch());
            assertThat(data.path("batch_size").asInt()).isEqualTo(4);
            assertThat(data.path("jobs").asInt()).isEqualTo(4);
            assertThat(data.path("counts").path("completed").asInt()).isEqualTo(3);
            assertThat(data.path("counts").path("failed").asInt()).isEqualTo(1);
            assertThat(data.path("failures").path("source_unavailable").asInt()).isEqualTo(1);
            assertThat(data.path("failed_job_ids")).extracting(JsonNode::asText).containsExactly(batch.id(1));
            // the failed job never reached WaveSpeed, so only three images were paid for
            assertThat(data.path("cost_usd").decimalValue()).isEqualByComparingTo("0.075");
            assertThat(data.path("duration_seconds").asDouble()).isPositive();
        }
        BatchSummary summary = reports.batch(batch.batch()).orElseThrow();
        assertThat(summary.state()).isEqualTo("completed");
        assertThat(summary.counts()).isEqualTo(Map.of("completed", 3L, "failed", 1L));
        assertThat(summary.failures()).isEqualTo(Map.of("source_unavailable", 1L));
        assertThat(summary.spendUsd()).isEqualByComparingTo("0.075");
        assertThat(summary.projectedUsd()).isEqualByComparingTo("0.075");
        assertThat(summary.eta()).isNull();
        assertThat(summary.completedAt()).isNotNull();
    }

    private static List<ReceivedEvent> completions(TestBroker broker, BatchJobs batch) {
        return broker.events().stream().filter(event -> "batch.completed".equals(event.routingKey())
                && batch.batch().equals(event.data().path("batch_id").asText())).toList();
    }
}
