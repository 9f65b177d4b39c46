package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.reuse.ReuseKeys;
import io.enhance.worker.testing.AsyncApiContract;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.JobRequestBuilder;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestS3;
import io.enhance.worker.testing.TestSources;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A request with a fixed seed, the same parameters and the same source content as a completed job is served with
 * copies of that job's outputs, and pays nothing; any difference, a random seed or an opt-out pays.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class IdenticalRequestsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final TestSources SOURCES = new TestSources();

    @Inject
    QueuesConfig queues;
    @Inject
    JobStore store;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    /** Fresh content and seed each run, so that no job of an earlier run is a twin. */
    private final int seed = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
    private final TestS3 s3 = EmbeddedServices.s3();
    private TestBroker broker;

    @BeforeEach
    void listen() {
        broker = TestBroker.listeningTo(queues.eventsExchange());
    }

    @AfterEach
    void close() throws Exception {
        broker.close();
    }

    @Test
    void theSameSeedParametersAndSourceContentAreServedWithByteIdenticalCopiesAtNoCost() {
        byte[] image = TestImages.photo(48, 40, seed);
        // two objects with the same bytes: the content is what counts, not where it is stored
        String first = s3.putSource(run + "/first.png", image);
        String second = s3.putSource(run + "/second.png", image);
        complete("earlier", twin("earlier", first));

        broker.publish(queues.requests(), twin("reused", second).bytes());
        broker.publish(queues.requests(), twin("random-seed", second).input("seed", -1).bytes());
        broker.publish(queues.requests(), twin("opted-out", second).field("reuse", false).bytes());
        broker.publish(queues.requests(), twin("other-strength", second).input("strength", 0.5).bytes());
        broker.publish(queues.requests(), twin("other-format", second).input("output_format", "png").bytes());
        List.of("reused", "random-seed", "opted-out", "other-strength", "other-format").forEach(this::awaitCompleted);

        JsonNode reused = completedEvent("reused");
        assertThat(reused.path("reused_from").asText()).isEqualTo(id("earlier"));
        assertThat(reused.path("cost_usd").decimalValue()).isZero();
        assertThat(reused.path("prediction_id").isNull()).isTrue();
        assertThat(AsyncApiContract.document().violations("job.completed", broker.eventsFor(id("reused")).get(0).event()))
                .isEmpty();
        JsonNode original = completedEvent("earlier").path("outputs").get(0);
        JsonNode copy = reused.path("outputs").get(0);
        assertThat(copy.path("key").asText()).isEqualTo(id("reused").replace("/", "%2F") + "/0.jpg");
        assertThat(s3.get(copy.path("bucket").asText(), copy.path("key").asText()))
                .isEqualTo(s3.get(original.path("bucket").asText(), original.path("key").asText()));
        assertThat(copy.path("sha256").asText()).isEqualTo(original.path("sha256").asText());
        assertThat(copy.path("size").asLong()).isEqualTo(original.path("size").asLong());
        Job job = storedJob("reused");
        assertThat(job.spendUsd).isZero();
        assertThat(job.attempts).isZero();
        assertThat(job.reuseKey).as("an s3:// source is known by its ETag (the MD5 of a single-part PUT) and size")
                .isEqualTo(ReuseKeys.of(job.input, ReuseKeys.ofS3Object(md5(image), image.length)).orElseThrow());
        assertThat(transitionDetails(job)).anyMatch(detail -> detail.contains("reused outputs of job " + id("earlier")));

        assertThat(submissionsWithPrompt()).as("only the earlier job, the random seed, the opt-out and the two other "
                + "parameter sets paid").isEqualTo(5);
        for (String paid : List.of("random-seed", "opted-out", "other-strength", "other-format")) {
            assertThat(completedEvent(paid).path("reused_from").isNull()).as(paid).isTrue();
            assertThat(completedEvent(paid).path("cost_usd").decimalValue()).as(paid).isEqualByComparingTo("0.025");
        }
    }

    @Test
    void anHttpSourceIsServedAgainOnlyWhenTheRequestPromisesItsContentNeverChanges() {
        String url = SOURCES.image("/" + run + "/source.png", TestImages.photo(40, 32, seed));
        complete("url-earlier", twin("url-earlier", url).field("reuse", "by_url"));

        complete("url-without-promise", twin("url-without-promise", url));
        complete("url-promised", twin("url-promised", url).field("reuse", "by_url"));

        assertThat(completedEvent("url-without-promise").path("reused_from").isNull()).isTrue();
        assertThat(completedEvent("url-promised").path("reused_from").asText()).isEqualTo(id("url-earlier"));
        assertThat(submissionsWithPrompt()).isEqualTo(2);
    }

    @Test
    void aTwinWhoseOutputsAreGoneFromS3IsPaidForAgainWithoutFailing() {
        String source = s3.putSource(run + "/gone.png", TestImages.photo(36, 36, seed));
        complete("gone-earlier", twin("gone-earlier", source));
        JsonNode output = completedEvent("gone-earlier").path("outputs").get(0);
        s3.delete(output.path("bucket").asText(), output.path("key").asText());

        complete("gone-again", twin("gone-again", source));

        assertThat(completedEvent("gone-again").path("reused_from").isNull()).isTrue();
        assertThat(completedEvent("gone-again").path("cost_usd").decimalValue()).isEqualByComparingTo("0.025");
        assertThat(submissionsWithPrompt()).isEqualTo(2);
    }

    @Test
    void theBatchViewShowsWhatASizedBatchHasReusedAndWhatIsStillToPayAndHowLongTheTierNeeds() {
        String source = s3.putSource(run + "/sized.png", TestImages.photo(30, 30, seed));
        complete("sized-earlier", twin("sized-earlier", source));
        String batch = "sized-" + run;
        // one of four announced: it is served with copies, and three are still to come
        complete("sized-reused", twin("sized-reused", source).batch(batch).field("batch_size", 4));

        await().atMost(TIMEOUT).until(() -> given().header("Authorization", "Bearer test-admin-token")
                .get("/api/batches/" + batch).then().extract().path("reused") instanceof Integer reused && reused == 1);
        given().header("Authorization", "Bearer test-admin-token").get("/api/batches/" + batch).then().statusCode(200)
                .body("batch_size", equalTo(4)).body("reused", equalTo(1)).body("to_pay", equalTo(3))
                .body("spend_usd", equalTo(0.0f)).body("projected_usd", equalTo(0.075f))
                // the emulator's tier (silver, 500 a minute, 300 at once): three submissions within a second, then one inference
                .body("tier_seconds_to_finish", greaterThanOrEqualTo(1));
    }

    /** A request of this run's: its seed, and one prompt for all, as a twin must ask for the same. */
    private JobRequestBuilder twin(String name, String source) {
        return job(id(name), source).input("seed", seed).input("prompt", "twins " + run);
    }

    private String id(String name) {
        return "twins-" + run + "/" + name;
    }

    private void complete(String name, JobRequestBuilder request) {
        broker.publish(queues.requests(), request.bytes());
        awaitCompleted(name);
    }

    private void awaitCompleted(String name) {
        await().atMost(TIMEOUT).until(() -> !broker.eventsFor(id(name)).isEmpty());
        assertThat(broker.eventsFor(id(name)).get(0).routingKey()).as(name).isEqualTo("job.completed");
    }

    private JsonNode completedEvent(String name) {
        return broker.eventsFor(id(name)).get(0).data();
    }

    private long submissionsWithPrompt() {
        return EmbeddedServices.emulator().submissions().stream()
                .filter(s -> ("twins " + run).equals(s.body().path("prompt").asText()))
                .count();
    }

    private static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Job storedJob(String name) {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(id(name)).orElseThrow());
    }

    private List<String> transitionDetails(Job job) {
        return QuarkusTransaction.requiringNew().call(() -> store.transitionsOf(job).stream()
                .map(t -> t.detail == null ? "" : t.detail).toList());
    }
}
