package io.enhance.worker.batches;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.JobRequestBuilder;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestBroker.ReceivedEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A batch that says its size is reported complete once, by one batch.completed event, when its last
 * member has ended: its jobs, and its requests rejected at intake, which never become jobs.
 */
@QuarkusTest
@TestProfile(UploadedSources.class)
@QuarkusTestResource(EmbeddedServices.class)
class SizedBatchTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    QueuesConfig queues;
    @Inject
    BatchReports reports;
    @Inject
    Cancellations cancellations;

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

    @Test
    void aSizedBatchOfThreeWithOneInvalidMemberCompletesOnceCountingTheRejectionOnceThoughItCameTwice()
            throws Exception {
        BatchJobs batch = new BatchJobs("invalid-" + run(), 3);
        byte[] invalid = JobRequestBuilder.job(batch.id(1), batch.uploadSource(1)).batch(batch.batch())
                .field("batch_size", 3).input("strength", 5).bytes();
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), batch.request(0, false));
            // the same bytes twice, as a redelivery brings them: one rejection, seen twice, one member
            broker.publish(queues.requests(), invalid);
            broker.publish(queues.requests(), invalid);
            broker.publish(queues.requests(), batch.request(2, false));

            await().atMost(TIMEOUT).until(() -> completions(broker, batch).size() == 1);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> completions(broker, batch).size() == 1);
            JsonNode data = completions(broker, batch).get(0).data();
            assertThat(data.path("batch_size").asInt()).isEqualTo(3);
            assertThat(data.path("jobs").asInt()).as("members: stored jobs and rejected requests").isEqualTo(3);
            assertThat(data.path("counts").properties()).extracting(Map.Entry::getKey, entry -> entry.getValue().asInt())
                    .containsExactlyInAnyOrder(tuple("completed", 2), tuple("rejected", 1));
            assertThat(data.path("failed_count").asInt()).isZero();
            assertThat(data.path("failed_job_ids")).isEmpty();
            assertThat(data.path("failed_job_ids_truncated").asBoolean(true)).isFalse();
        }
        BatchSummary summary = reports.batch(batch.batch()).orElseThrow();
        assertThat(summary.state()).isEqualTo("completed");
        assertThat(summary.jobs()).isEqualTo(2);
        assertThat(summary.rejected()).isEqualTo(1);
        assertThat(summary.ended()).isEqualTo(2);
    }

    @Test
    void aBatchCancelledBeforeAllArrivedCompletesOnceCountingAMemberRejectedForAnotherBatchsJobId() throws Exception {
        BatchJobs batch = new BatchJobs("cancelled-" + run(), 3);
        BatchJobs other = new BatchJobs("other-" + run(), 1);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), other.request(0, false));
            broker.publish(queues.requests(), batch.request(0, false));
            await().atMost(TIMEOUT).until(() -> reports.batch(batch.batch()).isPresent() && other.status(0) != null);
            cancellations.cancelBatch(batch.batch()).orElseThrow();

            // arrives after the cancel: it is stored, and cancelled
            broker.publish(queues.requests(), batch.request(1, false));
            await().atMost(TIMEOUT).until(() -> batch.status(1) == JobStatus.CANCELLED);
            // a different request for a job the batch already has: rejected, and no second member
            broker.publish(queues.requests(), JobRequestBuilder.job(batch.id(1), batch.uploadSource(1))
                    .batch(batch.batch()).field("batch_size", 3).input("strength", 0.3).bytes());
            await().atMost(TIMEOUT).until(() -> rejections(broker, batch.id(1)) == 1);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> completions(broker, batch).isEmpty());
            // another batch's job id: rejected, and the third member of this one
            broker.publish(queues.requests(), JobRequestBuilder.job(other.id(0), other.uploadSource(0))
                    .batch(batch.batch()).field("batch_size", 3).bytes());

            await().atMost(TIMEOUT).until(() -> completions(broker, batch).size() == 1);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> completions(broker, batch).size() == 1);
            JsonNode data = completions(broker, batch).get(0).data();
            assertThat(data.path("jobs").asInt()).isEqualTo(3);
            assertThat(data.path("counts").path("rejected").asInt()).isEqualTo(1);
            assertThat(data.path("counts").path("cancelled").asInt()).as("at least the one that came late").isPositive();
            assertThat(rejections(broker, other.id(0))).isOne();
        }
        assertThat(other.status(0)).as("the other batch's job is left alone").isEqualTo(JobStatus.COMPLETED);
    }

    @Test
    void aBatchWithMoreFailuresThanTheEventCarriesSendsTheFirstIdsTheFullCountAndWhereTheRestAre() throws Exception {
        int size = BatchCounters.FAILED_IDS_IN_EVENT + 1;
        BatchJobs batch = new BatchJobs("failing-" + run() + "/all", size);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            // every source is missing: each job fails at once, before any submission
            broker.publishAll(queues.requests(), IntStream.range(0, size).mapToObj(i -> batch.request(i, true)).toList());

            await().atMost(TIMEOUT).until(() -> completions(broker, batch).size() == 1);
            JsonNode data = completions(broker, batch).get(0).data();
            assertThat(data.path("counts").path("failed").asInt()).isEqualTo(size);
            assertThat(data.path("failed_count").asInt()).isEqualTo(size);
            assertThat(data.path("failed_job_ids")).extracting(JsonNode::asText)
                    .hasSize(BatchCounters.FAILED_IDS_IN_EVENT).isSorted().doesNotHaveDuplicates()
                    .allMatch(id -> id.startsWith(batch.batch() + "/"));
            assertThat(data.path("failed_job_ids_truncated").asBoolean()).isTrue();
            String rest = data.path("failed_jobs_path").asText();
            assertThat(rest).isEqualTo("/api/jobs?batch_id=" + batch.batch().replace("/", "%2F") + "&status=FAILED");
            given().header("Authorization", "Bearer test-admin-token").urlEncodingEnabled(false).get(rest).then()
                    .statusCode(200).body("jobs.size()", equalTo(50)).body("jobs.status", everyItem(equalTo("FAILED")))
                    .body("jobs.batch_id", everyItem(equalTo(batch.batch()))).body("next_cursor", notNullValue());
        }
    }

    private static String run() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static long rejections(TestBroker broker, String jobId) {
        return broker.eventsFor(jobId).stream().filter(event -> "job.rejected".equals(event.routingKey())).count();
    }

    private static List<ReceivedEvent> completions(TestBroker broker, BatchJobs batch) {
        return broker.events().stream().filter(event -> "batch.completed".equals(event.routingKey())
                && batch.batch().equals(event.data().path("batch_id").asText())).toList();
    }
}
