package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.LogCapture;
import io.enhance.worker.testing.TestBroker.ReceivedEvent;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Bad requests get a job.rejected event naming each problem, land whole in the DLQ, and cost nothing. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class RejectionTest {

    private static final String IMAGE = "https://images.example.com/in.png";

    @Inject
    QueuesConfig queues;

    @Inject
    EntityManager entityManager;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private TestBroker broker;

    @BeforeEach
    void listen() throws Exception {
        broker = TestBroker.listeningTo(queues.eventsExchange());
        broker.drain(queues.deadLetter());
    }

    @AfterEach
    void close() throws Exception {
        broker.close();
    }

    @Test
    void rejectsEachBadRequestWithItsReasonsDeadLettersItAndSubmitsNothing() throws Exception {
        Map<String, byte[]> badRequests = new LinkedHashMap<>();
        Map<String, String> expectedField = new LinkedHashMap<>();
        bad(badRequests, expectedField, "no-prompt", "input.prompt", b -> b.withoutInput("prompt"));
        bad(badRequests, expectedField, "no-image", "input.image", b -> b.withoutInput("image"));
        bad(badRequests, expectedField, "ftp-image", "input.image", b -> b.input("image", "ftp://host/in.png"));
        bad(badRequests, expectedField, "strength", "input.strength", b -> b.input("strength", 1.5));
        bad(badRequests, expectedField, "steps", "input.num_inference_steps", b -> b.input("num_inference_steps", 0));
        bad(badRequests, expectedField, "seed-type", "input.seed", b -> b.input("seed", "abc"));
        bad(badRequests, expectedField, "guidance", "input.guidance_scale", b -> b.input("guidance_scale", 25));
        bad(badRequests, expectedField, "format", "input.output_format", b -> b.input("output_format", "gif"));
        bad(badRequests, expectedField, "typo", "input.strenght", b -> b.input("strenght", 0.5));
        bad(badRequests, expectedField, "bucket", "output.bucket", b -> b.output("Not_A_Bucket", ""));
        bad(badRequests, expectedField, "metadata", "metadata.count", b -> b.field("metadata", Map.of("count", 3)));
        // PostgreSQL cannot store U+0000: without a check this message would be requeued until dead-lettered, unexplained
        bad(badRequests, expectedField, "nul-prompt", "input.prompt", b -> b.input("prompt", "sharpen\u0000"));
        bad(badRequests, expectedField, "nul-metadata", "metadata.note", b -> b.metadata("note", "a\u0000b"));
        bad(badRequests, expectedField, "escaping-prefix", "output.key_prefix", b -> b.output("enhanced", "../other/"));
        // in the dashboard this batch's "Pause" would otherwise become POST /api/submissions/pause
        bad(badRequests, expectedField, "escaping-batch", "batch_id", b -> b.batch("../submissions"));
        String escapingJobId = "bad-escaping-id-" + run + "/../../etc";
        badRequests.put(escapingJobId, job(escapingJobId, IMAGE).bytes());
        expectedField.put(escapingJobId, "job_id");
        byte[] notJson = ("{not json " + run).getBytes(StandardCharsets.UTF_8);
        byte[] notAnObject = ("[\"" + run + "\"]").getBytes(StandardCharsets.UTF_8);
        byte[] badJobId = job("has spaces " + run, IMAGE).bytes();

        badRequests.values().forEach(body -> broker.publish(queues.requests(), body));
        List.of(notJson, notAnObject, badJobId).forEach(body -> broker.publish(queues.requests(), body));

        await().atMost(Duration.ofSeconds(60)).until(() -> rejections().size() >= badRequests.size() + 3);
        expectedField.forEach((jobId, field) -> {
            List<ReceivedEvent> events = broker.eventsFor(jobId);
            assertThat(events).as(jobId).hasSize(1);
            assertThat(events.get(0).routingKey()).isEqualTo("job.rejected");
            JsonNode data = events.get(0).data();
            assertThat(data.path("status").asText()).isEqualTo("rejected");
            assertThat(data.path("error").path("code").asText()).isEqualTo("invalid_request");
            assertThat(fields(data)).as(jobId).containsExactly(field);
            assertThat(data.path("error").path("message").asText()).startsWith(field + ": ");
        });
        assertThat(rejectionMessages()).anyMatch(m -> m.startsWith("$: not valid JSON"))
                .anyMatch(m -> m.equals("$: must be a JSON object"))
                .anyMatch(m -> m.startsWith("job_id: must be 1-200 characters"));

        List<byte[]> deadLettered = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            deadLettered.addAll(broker.drain(queues.deadLetter()));
            return badRequests.values().stream().allMatch(body -> contains(deadLettered, body))
                    && contains(deadLettered, notJson) && contains(deadLettered, notAnObject);
        });
        assertThat(EmbeddedServices.emulator().submissions())
                .noneMatch(s -> s.body().path("prompt").asText().contains(run));
        assertThat(QuarkusTransaction.requiringNew().call(() -> Job.count("jobId like ?1", "%" + run + "%"))).isZero();
    }

    @Test
    void keepsAPresignedSignatureOutOfTheRejectionItsEventAndTheLog() {
        String signature = "secret-signature-" + run;
        String jobId = "signed-" + run;
        try (LogCapture log = LogCapture.start()) {
            broker.publish(queues.requests(), job(jobId, IMAGE + "?X-Amz-Signature=" + signature + " x").bytes());

            await().atMost(Duration.ofSeconds(30)).until(() -> broker.eventsFor(jobId).size() == 1);
            JsonNode data = broker.eventsFor(jobId).get(0).data();
            assertThat(fields(data)).containsExactly("input.image");
            assertThat(data.toString()).doesNotContain(signature);
            String stored = QuarkusTransaction.requiringNew().call(() -> (String) entityManager.createNativeQuery(
                    "select cast(problems as text) from rejected_messages where job_id = ?1")
                    .setParameter(1, jobId).getSingleResult());
            assertThat(stored).contains("is not a valid URL").doesNotContain(signature);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> log.lines().stream().anyMatch(line -> line.contains("Rejected request " + jobId)));
            assertThat(log.lines()).noneMatch(line -> line.contains(signature));
        }
    }

    @Test
    void rejectsASourceOnAnAddressWaveSpeedCannotReachWithoutQuotingItOrPayingForIt() throws Exception {
        // the test profile allows 127.0.0.1 (its local sources); any other internal host is refused
        Map<String, String> sources = Map.of("loopback-" + run, "http://localhost:1/x.jpg?X-Amz-Signature=sig-" + run,
                "private-" + run, "http://10.0.0.7/x.jpg", "metadata-" + run, "http://169.254.169.254/latest/x.jpg",
                "ipv6-loopback-" + run, "http://[::1]/x.jpg");
        sources.forEach((jobId, image) -> broker.publish(queues.requests(), job(jobId, image).bytes()));

        await().atMost(Duration.ofSeconds(30)).until(() -> sources.keySet().stream().allMatch(j -> broker.eventsFor(j).size() == 1));
        sources.forEach((jobId, image) -> {
            JsonNode data = broker.eventsFor(jobId).get(0).data();
            assertThat(broker.eventsFor(jobId).get(0).routingKey()).isEqualTo("job.rejected");
            assertThat(fields(data)).as(jobId).containsExactly("input.image");
            assertThat(data.path("error").path("message").asText()).as(jobId)
                    .contains("PIPELINE_SOURCE_PRIVATE_HOSTS").doesNotContain("x.jpg", "sig-" + run);
        });
        assertThat(EmbeddedServices.emulator().submissions()).noneMatch(s -> s.body().path("prompt").asText().contains(run));
        assertThat(QuarkusTransaction.requiringNew().call(() -> Job.count("jobId like ?1", "%" + run + "%"))).isZero();
    }

    @Test
    void rejectsAReusedJobIdWithADifferentRequestOnceAndLeavesTheJobAlone() throws Exception {
        String jobId = "reused-" + run;
        String source = EmbeddedServices.s3().putSource(jobId + ".png", TestImages.card(16, 16, 2));
        broker.publish(queues.requests(), job(jobId, source).bytes());
        await().atMost(Duration.ofSeconds(60)).until(() -> broker.eventsFor(jobId).size() == 1);

        byte[] other = job(jobId, source).input("strength", 0.3).bytes();
        broker.publish(queues.requests(), other);
        await().atMost(Duration.ofSeconds(30)).until(() -> broker.eventsFor(jobId).size() == 2);

        List<ReceivedEvent> rejected = broker.eventsFor(jobId).stream()
                .filter(e -> e.routingKey().equals("job.rejected")).toList();
        assertThat(rejected).singleElement().satisfies(e -> {
            assertThat(e.data().path("job_id").asText()).isEqualTo(jobId);
            assertThat(fields(e.data())).containsExactly("job_id");
            assertThat(e.data().path("error").path("message").asText())
                    .startsWith("job_id: job_id reused with a different request");
        });
        List<byte[]> deadLettered = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            deadLettered.addAll(broker.drain(queues.deadLetter()));
            return contains(deadLettered, other);
        });
        Job job = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow());
        assertThat(job.status.name()).isEqualTo("COMPLETED");
        assertThat(job.input.get("strength")).isEqualTo(0.8);
        assertThat(EmbeddedServices.emulator().submissions())
                .filteredOn(s -> s.body().path("prompt").asText().equals("enhance " + jobId)).hasSize(1);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> broker.eventsFor(jobId).size() == 2);
    }

    private void bad(Map<String, byte[]> requests, Map<String, String> expectedField, String name, String field,
            java.util.function.UnaryOperator<io.enhance.worker.testing.JobRequestBuilder> bend) {
        String jobId = "bad-" + name + "-" + run;
        requests.put(jobId, bend.apply(job(jobId, IMAGE)).bytes());
        expectedField.put(jobId, field);
    }

    private List<ReceivedEvent> rejections() {
        return broker.events().stream().filter(e -> "job.rejected".equals(e.routingKey())).toList();
    }

    private List<String> rejectionMessages() {
        return rejections().stream().map(e -> e.data().path("error").path("message").asText()).toList();
    }

    private static List<String> fields(JsonNode data) {
        List<String> fields = new ArrayList<>();
        data.path("problems").forEach(p -> fields.add(p.path("field").asText()));
        return fields;
    }

    private static boolean contains(List<byte[]> bodies, byte[] body) {
        return bodies.stream().anyMatch(b -> Arrays.equals(b, body));
    }
}
