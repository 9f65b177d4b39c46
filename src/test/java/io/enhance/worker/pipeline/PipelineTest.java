package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.events.OutboxEvent;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.JobRequestBuilder;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestBroker.ReceivedEvent;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestS3;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Requests in on the real RabbitMQ, through PostgreSQL, the emulator and S3, events out again. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class PipelineTest {

    private static final Duration PIPELINE_TIMEOUT = Duration.ofSeconds(90);

    @Inject
    QueuesConfig queues;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private TestBroker broker;
    private final TestS3 s3 = EmbeddedServices.s3();

    @BeforeEach
    void listen() {
        broker = TestBroker.listeningTo(queues.eventsExchange());
    }

    @AfterEach
    void close() throws Exception {
        broker.close();
        EmbeddedServices.emulator().settings().setFailureRate(0);
    }

    @Test
    void completesTwentyJobsWithOneEventEachWhoseImagesMatchTheEvent() {
        String batch = "batch-" + run;
        int jobs = 20;
        for (int i = 0; i < jobs; i++) {
            String source = s3.putSource(batch + "/in-" + i + ".png", TestImages.card(40 + i, 30, i));
            broker.publish(queues.requests(), job(batch + "/img-" + i, source).batch(batch)
                    .input("seed", i).metadata("customer", "acme").bytes());
        }

        await().atMost(PIPELINE_TIMEOUT).until(() -> outcomes(batch, "job.completed").size() == jobs);
        awaitNoUnsentEvents(batch);

        for (int i = 0; i < jobs; i++) {
            String jobId = batch + "/img-" + i;
            List<ReceivedEvent> events = broker.eventsFor(jobId);
            assertThat(events).as("events of " + jobId).hasSize(1);
            ReceivedEvent received = events.get(0);
            JsonNode event = received.event();
            assertThat(event.path("specversion").asText()).isEqualTo("1.0");
            assertThat(event.path("type").asText()).isEqualTo("enhance.job.completed");
            assertThat(event.path("datacontenttype").asText()).isEqualTo("application/json");
            assertThat(received.contentType()).isEqualTo("application/cloudevents+json");
            assertThat(received.messageId()).isEqualTo(event.path("id").asText());
            JsonNode data = received.data();
            assertThat(data.path("status").asText()).isEqualTo("completed");
            assertThat(data.path("prediction_id").asText()).hasSize(32);
            assertThat(data.path("cost_usd").decimalValue()).isEqualByComparingTo("0.025");
            assertThat(data.path("metadata").path("customer").asText()).isEqualTo("acme");
            assertThat(data.path("error").isNull()).isTrue();
            assertThat(data.path("outputs")).hasSize(1);

            JsonNode output = data.path("outputs").get(0);
            assertThat(output.path("key").asText()).isEqualTo(jobId.replace("/", "%2F") + "/0.jpg");
            byte[] stored = s3.get(output.path("bucket").asText(), output.path("key").asText());
            assertThat(TestImages.sha256(stored)).isEqualTo(output.path("sha256").asText());
            assertThat((long) stored.length).isEqualTo(output.path("size").asLong());
            BufferedImage image = TestImages.decode(stored);
            assertThat(image.getWidth()).isEqualTo(output.path("width").asInt()).isEqualTo(2 * (40 + i));
            assertThat(image.getHeight()).isEqualTo(output.path("height").asInt()).isEqualTo(60);
            assertThat(submissionsOf(jobId)).isEqualTo(1);
        }
    }

    @Test
    void duplicateJobIdsMakeOneJobOneSubmissionAndOneEvent() {
        String jobId = "dup-" + run;
        String source = s3.putSource(jobId + ".png", TestImages.card(32, 32, 7));
        byte[] request = job(jobId, source).bytes();
        broker.publish(queues.requests(), request);
        // the same request written differently: other field order, a default spelled out
        broker.publish(queues.requests(), job(jobId, source).input("strength", 0.8).bytes());

        await().atMost(PIPELINE_TIMEOUT).until(() -> broker.eventsFor(jobId).size() == 1);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() ->
                broker.eventsFor(jobId).size() == 1 && submissionsOf(jobId) == 1 && jobsNamed(jobId) == 1);
    }

    @Test
    void storesTwoJobsWhosePrefixAndIdOnceJoinedIntoOneKeyAsTwoObjects() {
        // p/ + x/{run} and p/x/ + {run} both used to make p/x/{run}/0.jpg: the second overwrote the first
        String prefix = "p-" + run + "/";
        String nestedSource = s3.putSource("x-" + run + ".png", TestImages.card(20, 20, 1));
        String plainSource = s3.putSource("plain-" + run + ".png", TestImages.card(24, 24, 2));
        Map<String, JobRequestBuilder> jobs = Map.of(
                "x/" + run, job("x/" + run, nestedSource).output("enhanced", prefix),
                run, job(run, plainSource).output("enhanced", prefix + "x/"));
        jobs.values().forEach(request -> broker.publish(queues.requests(), request.bytes()));

        await().atMost(PIPELINE_TIMEOUT).until(() -> jobs.keySet().stream().allMatch(id -> broker.eventsFor(id).size() == 1));
        JsonNode nested = broker.eventsFor("x/" + run).get(0).data().path("outputs").get(0);
        JsonNode plain = broker.eventsFor(run).get(0).data().path("outputs").get(0);
        for (JsonNode output : List.of(nested, plain)) {
            byte[] stored = s3.get("enhanced", output.path("key").asText());
            assertThat(TestImages.sha256(stored)).as(output.path("key").asText())
                    .isEqualTo(output.path("sha256").asText());
        }
        assertThat(nested.path("key").asText()).isEqualTo(prefix + "x%2F" + run + "/0.jpg");
        assertThat(plain.path("key").asText()).isEqualTo(prefix + "x/" + run + "/0.jpg");
    }

    @Test
    void aDuplicateOfAFinishedJobPublishesItsOutcomeAgainWithTheSameEventId() {
        String jobId = "redo-" + run;
        byte[] request = job(jobId, s3.putSource(jobId + ".png", TestImages.card(20, 20, 4))).bytes();
        broker.publish(queues.requests(), request);
        await().atMost(PIPELINE_TIMEOUT).until(() -> broker.eventsFor(jobId).size() == 1);
        awaitNoUnsentEvents(jobId);
        ReceivedEvent first = broker.eventsFor(jobId).get(0);

        broker.publish(queues.requests(), request);
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.eventsFor(jobId).size() == 2);
        // once the sent event has been purged from the outbox, it is written again from the job
        QuarkusTransaction.requiringNew().run(() -> OutboxEvent.delete("subject", jobId));
        broker.publish(queues.requests(), request);
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.eventsFor(jobId).size() == 3);

        assertThat(broker.eventsFor(jobId)).allSatisfy(again -> {
            assertThat(again.routingKey()).isEqualTo("job.completed");
            assertThat(again.messageId()).isEqualTo(first.messageId());
            assertThat(again.event().path("id")).isEqualTo(first.event().path("id"));
            assertThat(again.data().path("outputs")).isEqualTo(first.data().path("outputs"));
        });
        assertThat(submissionsOf(jobId)).isEqualTo(1);
        assertThat(jobsNamed(jobId)).isEqualTo(1);
    }

    @Test
    void deliversBase64SyncModeAndPngOutputsLikeUrlOutputs() {
        String source = s3.putSource("modes-" + run + ".png", TestImages.card(30, 20, 9));
        Map<String, JobRequestBuilder> jobs = Map.of(
                "base64-" + run, job("base64-" + run, source).input("enable_base64_output", true),
                "sync-" + run, job("sync-" + run, source).input("enable_sync_mode", true),
                "png-" + run, job("png-" + run, source).input("output_format", "png"));
        jobs.values().forEach(request -> broker.publish(queues.requests(), request.bytes()));

        await().atMost(PIPELINE_TIMEOUT).until(() -> jobs.keySet().stream().allMatch(id -> broker.eventsFor(id).size() == 1));
        jobs.keySet().forEach(jobId -> {
            ReceivedEvent event = broker.eventsFor(jobId).get(0);
            assertThat(event.routingKey()).as(jobId).isEqualTo("job.completed");
            JsonNode output = event.data().path("outputs").get(0);
            byte[] stored = s3.get(output.path("bucket").asText(), output.path("key").asText());
            assertThat(TestImages.sha256(stored)).isEqualTo(output.path("sha256").asText());
            assertThat(TestImages.decode(stored).getWidth()).isEqualTo(60);
            boolean png = jobId.startsWith("png-");
            assertThat(output.path("content_type").asText()).isEqualTo(png ? "image/png" : "image/jpeg");
            assertThat(output.path("key").asText()).endsWith(png ? "/0.png" : "/0.jpg");
        });
        assertThat(EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().equals("enhance sync-" + run)))
                .singleElement().matches(s -> s.body().path("enable_sync_mode").asBoolean());
    }

    @Test
    void failedPredictionEndsTheJobWithAFailedEventSayingWhy() {
        EmbeddedServices.emulator().settings().setFailureRate(1.0);
        String jobId = "fails-" + run;
        broker.publish(queues.requests(), job(jobId, s3.putSource(jobId + ".png", TestImages.card(16, 16, 1))).bytes());

        await().atMost(PIPELINE_TIMEOUT).until(() -> broker.eventsFor(jobId).size() == 1);
        ReceivedEvent failed = broker.eventsFor(jobId).get(0);
        assertThat(failed.routingKey()).isEqualTo("job.failed");
        assertThat(failed.data().path("status").asText()).isEqualTo("failed");
        assertThat(failed.data().path("error").path("code").asText()).isEqualTo("prediction_failed");
        assertThat(failed.data().path("error").path("message").asText()).startsWith("WaveSpeed reports failed: ").hasSizeGreaterThan(30);
        assertThat(failed.data().path("outputs")).isEmpty();
    }

    private List<ReceivedEvent> outcomes(String batch, String routingKey) {
        return broker.events().stream()
                .filter(e -> routingKey.equals(e.routingKey()) && batch.equals(e.data().path("batch_id").asText()))
                .toList();
    }

    private void awaitNoUnsentEvents(String subjectPrefix) {
        await().atMost(Duration.ofSeconds(30)).until(() -> QuarkusTransaction.requiringNew().call(() ->
                OutboxEvent.count("sentAt is null and subject like ?1", subjectPrefix + "%")) == 0);
    }

    private static long submissionsOf(String jobId) {
        return EmbeddedServices.emulator().submissions().stream()
                .filter(s -> ("enhance " + jobId).equals(s.body().path("prompt").asText()))
                .count();
    }

    private static long jobsNamed(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> Job.count("jobId", jobId));
    }
}
