package io.enhance.worker.batches;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.testing.AsyncApiContract;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestBroker.ReceivedEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A small pipeline that makes the worker publish every kind of event, each checked by a consumer that
 * knows only the AsyncAPI document; an event bent by one field fails it, so the check is not vacuous.
 */
@QuarkusTest
@TestProfile(UploadedSources.class)
@QuarkusTestResource(EmbeddedServices.class)
class EventContractTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Set<String> EVERY_ROUTING_KEY = Set.of("job.completed", "job.failed", "job.rejected",
            "job.cancelled", "job.retried", "batch.completed", "batch.paused", "batch.resumed", "batch.cancelled",
            "batch.awaiting_approval", "batch.approved", "batch.rejected", "submissions.paused", "submissions.resumed");

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Inject
    BatchHolds holds;
    @Inject
    Cancellations cancellations;
    @Inject
    Retries retries;
    @Inject
    QueuesConfig queues;
    @Inject
    Canaries canaries;

    /** A failed test must not leave submissions paused for the next one. */
    @AfterEach
    void resumeSubmissions() {
        holds.resumeAll();
    }

    @Test
    void everyEventTheWorkerPublishesFollowsTheAsyncApiDocument() throws Exception {
        BatchJobs batch = new BatchJobs("contract-" + run, 4);
        BatchJobs dropped = new BatchJobs("dropped-" + run, 1);
        List<ReceivedEvent> events;
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            holds.pauseAll();
            // job 1's source is missing: it fails, and is retried once the source is there
            for (int i = 0; i < 4; i++) {
                broker.publish(queues.requests(), batch.request(i, i == 1));
            }
            broker.publish(queues.requests(), dropped.request(0, false));
            BatchJobs approved = new BatchJobs("canary-approved-" + run, 2);
            BatchJobs rejected = new BatchJobs("canary-rejected-" + run, 2);
            for (BatchJobs canary : List.of(approved, rejected)) {
                for (int i = 0; i < 2; i++) {
                    broker.publish(queues.requests(), job(canary.id(i), canary.uploadSource(i)).batch(canary.batch())
                            .field("batch_size", 2).field("canary", 1).bytes());
                }
            }
            broker.publish(queues.requests(), job("rejected-" + run, "https://images.example.com/in.jpg")
                    .input("strength", 5).bytes());
            await().atMost(TIMEOUT).until(() -> batch.statuses().size() == 4);
            // a batch can be paused or cancelled once its counters have been folded, within a second
            await().atMost(TIMEOUT).until(() -> holds.pauseBatch(batch.batch()).isPresent());
            await().atMost(TIMEOUT).until(() -> cancellations.cancelBatch(dropped.batch()).isPresent());
            cancellations.cancelJob(batch.id(2));
            holds.resumeAll();
            assertThat(holds.resumeBatch(batch.batch())).isPresent();
            await().atMost(TIMEOUT).until(() -> batch.status(1) == JobStatus.FAILED
                    && batch.status(0) == JobStatus.COMPLETED && batch.status(3) == JobStatus.COMPLETED);

            await().atMost(TIMEOUT).until(() -> rejected.statuses().size() == 2);
            canaries.reject(rejected.batch()).orElseThrow();
            await().atMost(TIMEOUT).until(() -> routingKeys(broker.events()).contains("batch.awaiting_approval"));
            canaries.approve(approved.batch()).orElseThrow();

            batch.uploadSource(1);
            retries.retryJobs(List.of(batch.id(1)), false);
            await().atMost(TIMEOUT).until(() -> routingKeys(broker.events()).containsAll(EVERY_ROUTING_KEY)
                    && broker.eventsFor(batch.id(1)).size() == 3);
            events = broker.events();
        }

        for (ReceivedEvent event : events) {
            assertThat(AsyncApiContract.document().violations(event.routingKey(), event.event()))
                    .as("%s %s", event.routingKey(), event.event()).isEmpty();
            assertThat(event.event().path("dataschema").asText()).as(event.routingKey())
                    .endsWith("/schemas/" + event.routingKey().replace('.', '-').replace('_', '-') + "/v1.json");
        }
        assertThat(routingKeys(events)).containsAll(EVERY_ROUTING_KEY);
    }

    @Test
    void anEventBentByOneFieldBreaksTheContract() throws Exception {
        BatchJobs batch = new BatchJobs("bent-" + run, 1);
        JsonNode completed;
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), batch.request(0, false));
            await().atMost(TIMEOUT).until(() -> broker.eventsFor(batch.id(0)).size() == 1);
            completed = broker.eventsFor(batch.id(0)).get(0).event();
        }
        AsyncApiContract contract = AsyncApiContract.document();
        assertThat(contract.violations("job.completed", completed)).isEmpty();

        ObjectNode withoutOutputs = completed.deepCopy();
        ((ObjectNode) withoutOutputs.get("data")).remove("outputs");
        assertThat(contract.violations("job.completed", withoutOutputs)).anyMatch(v -> v.contains("outputs"));
        ObjectNode otherSchema = completed.deepCopy();
        otherSchema.put("dataschema", completed.path("dataschema").asText().replace("job-completed", "job-failed"));
        assertThat(contract.violations("job.completed", otherSchema)).anyMatch(v -> v.contains("dataschema"));
        assertThat(contract.violations("job.failed", completed)).as("a completion read as a failure").isNotEmpty();
        ObjectNode withExtraField = completed.deepCopy();
        ((ObjectNode) withExtraField.get("data")).put("added_later", 1);
        assertThat(contract.violations("job.completed", withExtraField)).as("fields are only ever added").isEmpty();
    }

    private static Set<String> routingKeys(List<ReceivedEvent> events) {
        return new TreeSet<>(events.stream().map(ReceivedEvent::routingKey).toList());
    }
}
