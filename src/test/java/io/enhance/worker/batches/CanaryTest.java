package io.enhance.worker.batches;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
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
import io.restassured.specification.RequestSpecification;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A batch with a canary pays for its first jobs only, tells what they gave in one batch.awaiting_approval,
 * and then waits for the operator: a rejection cancels the rest with nothing more paid, an approval
 * submits it. The emulator's ledger of submit POSTs is the proof of what was paid.
 */
@QuarkusTest
@TestProfile(UploadedSources.class)
@QuarkusTestResource(EmbeddedServices.class)
class CanaryTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    QueuesConfig queues;
    @Inject
    BatchReports reports;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void aRejectedCanaryOfThreeCancelsTheOtherNineAndALateArrivalWithNothingMorePaid() throws Exception {
        BatchJobs batch = new BatchJobs("canary-reject-" + run, 12);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            // the first request that gives a canary wins: the later ones' 7 changes nothing
            broker.publish(queues.requests(), request(batch, 0, 3));
            await().atMost(TIMEOUT).until(() -> batch.status(0) != null);
            broker.publishAll(queues.requests(), IntStream.range(1, 12).mapToObj(i -> request(batch, i, 7)).toList());

            await().atMost(TIMEOUT).until(() -> events(broker, batch, "batch.awaiting_approval").size() == 1);
            assertThat(paid(batch, 12)).as("only the canary is paid").isEqualTo(3);
            assertThat(batch.statuses().values()).filteredOn(status -> status == JobStatus.AWAITING_APPROVAL).hasSize(9);
            JsonNode data = events(broker, batch, "batch.awaiting_approval").get(0).data();
            assertThat(data.path("canary").asInt()).isEqualTo(3);
            assertThat(data.path("awaiting_approval").asInt()).isEqualTo(9);
            assertThat(data.path("cost_usd").decimalValue()).isEqualByComparingTo("0.075");
            assertThat(data.path("jobs")).hasSize(3).allSatisfy(job -> {
                assertThat(job.path("status").asText()).isEqualTo("completed");
                assertThat(job.path("outputs").get(0).path("bucket").asText()).isEqualTo("enhanced");
                assertThat(job.path("outputs").get(0).path("key").asText()).endsWith("/0.jpg");
                assertThat(job.path("error").isNull()).isTrue();
            });
            BatchSummary waiting = reports.batch(batch.batch()).orElseThrow();
            assertThat(waiting.state()).isEqualTo("awaiting_approval");
            assertThat(waiting.counts()).containsEntry("awaiting_approval", 9L).containsEntry("completed", 3L);
            assertThat(waiting.canary()).isEqualTo(3);

            operator().post("/api/batches/" + batch.batch() + "/reject").then().statusCode(200)
                    .body("jobs.cancelled", equalTo(9));
            operator().post("/api/batches/" + batch.batch() + "/approve").then().statusCode(409)
                    .body("error", containsString("already rejected"));
            broker.publish(queues.requests(), request(batch, 12, null));
            await().atMost(TIMEOUT).until(() -> batch.statuses().size() == 13
                    && batch.statuses().values().stream().allMatch(JobStatus::isTerminal));
            assertThat(batch.statuses().values()).filteredOn(status -> status == JobStatus.CANCELLED).hasSize(10);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> paid(batch, 13) == 3);
            assertThat(events(broker, batch, "batch.rejected")).hasSize(1);
            assertThat(events(broker, batch, "batch.awaiting_approval")).as("sent once").hasSize(1);
        }
        assertThat(reports.batch(batch.batch()).orElseThrow().state()).isEqualTo("rejected");
    }

    @Test
    void aCanaryGivenThroughTheApiBeforeTheJobsArriveSubmitsTwoThenApprovalCompletesTheRest() throws Exception {
        BatchJobs batch = new BatchJobs("canary-approve-" + run, 6);
        String path = "/api/batches/" + batch.batch();
        operator().contentType("application/json").body("{\"canary\": 2}").put(path + "/canary").then().statusCode(200)
                .body("jobs.canary", equalTo(2));
        operator().contentType("application/json").body("{\"canary\": 3}").put(path + "/canary").then().statusCode(409)
                .body("error", containsString("already has a canary of 2"));
        operator().contentType("application/json").body("{\"canary\": 0}").put(path + "/canary").then().statusCode(400)
                .body("error", containsString("canary"));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publishAll(queues.requests(), IntStream.range(0, 6).mapToObj(i -> request(batch, i, null)).toList());

            await().atMost(TIMEOUT).until(() -> events(broker, batch, "batch.awaiting_approval").size() == 1);
            assertThat(paid(batch, 6)).isEqualTo(2);
            operator().post(path + "/approve").then().statusCode(200).body("jobs.queued", equalTo(4));
            operator().post(path + "/approve").then().statusCode(200).body("message", equalTo("already approved"));
            operator().post(path + "/reject").then().statusCode(409).body("error", containsString("already approved"));

            await().atMost(TIMEOUT).until(() -> batch.statuses().values().stream()
                    .filter(status -> status == JobStatus.COMPLETED).count() == 6);
            assertThat(paid(batch, 6)).as("each job once").isEqualTo(6);
            assertThat(events(broker, batch, "batch.approved")).singleElement()
                    .satisfies(event -> assertThat(event.data().path("awaiting_approval").asInt()).isEqualTo(4));
        }
        operator().contentType("application/json").body("{\"canary\": 2}").put("/api/batches/other-" + run + "/canary")
                .then().statusCode(200);
        operator().post("/api/batches/no-such-" + run + "/approve").then().statusCode(404);
    }

    private static byte[] request(BatchJobs batch, int i, Integer canary) {
        JobRequestBuilder request = JobRequestBuilder.job(batch.id(i), batch.uploadSource(i)).batch(batch.batch());
        return (canary == null ? request : request.field("canary", canary)).bytes();
    }

    private static long paid(BatchJobs batch, int jobs) {
        return IntStream.range(0, jobs).mapToLong(batch::paidSubmissions).sum();
    }

    private static RequestSpecification operator() {
        return given().header("Authorization", "Bearer test-admin-token");
    }

    private static List<ReceivedEvent> events(TestBroker broker, BatchJobs batch, String routingKey) {
        return broker.events().stream().filter(event -> routingKey.equals(event.routingKey())
                && batch.batch().equals(event.data().path("batch_id").asText())).toList();
    }
}
