package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.emulator.ReceivedSubmission;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.reuse.ReuseKeys;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With uploads on, an s3:// source reaches WaveSpeed as a media-API upload, not as a presigned URL. */
@QuarkusTest
@TestProfile(UploadSourcesTest.UploadsOn.class)
@QuarkusTestResource(EmbeddedServices.class)
class UploadSourcesTest {

    public static class UploadsOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wavespeed.upload-sources", "true");
        }
    }

    @Inject
    QueuesConfig queues;

    @Test
    void uploadsAnS3SourceThroughTheMediaApiAndEnhancesTheUploadedCopy() throws Exception {
        String jobId = "upload-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(jobId + ".png", TestImages.card(20, 10, 2));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(jobId, source).bytes());

            await().atMost(Duration.ofSeconds(60)).until(() -> broker.eventsFor(jobId).size() == 1);
            assertThat(broker.eventsFor(jobId).get(0).routingKey()).isEqualTo("job.completed");
            assertThat(broker.eventsFor(jobId).get(0).data().path("outputs").get(0).path("width").asInt()).isEqualTo(40);
        }
        ReceivedSubmission submission = EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().equals("enhance " + jobId)).findFirst().orElseThrow();
        assertThat(submission.body().path("image").asText())
                .startsWith(EmbeddedServices.emulator().baseUrl() + "/media/").endsWith("/" + jobId + ".png")
                .doesNotContain("X-Amz-Signature");
    }

    @Test
    void theBytesReadForTheUploadAreTheSourcesIdentityAndServeAnIdenticalRequestAgain() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        byte[] image = TestImages.photo(24, 24, run.hashCode());
        String first = EmbeddedServices.s3().putSource(run + "/first.png", image);
        String second = EmbeddedServices.s3().putSource(run + "/second.png", image);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (String[] twin : new String[][] { { "first", first }, { "second", second } }) {
                String jobId = run + "/" + twin[0];
                broker.publish(queues.requests(), job(jobId, twin[1]).input("seed", 11).input("prompt", "twins " + run).bytes());
                await().atMost(Duration.ofSeconds(60)).until(() -> broker.eventsFor(jobId).size() == 1);
            }
            assertThat(broker.eventsFor(run + "/second").get(0).data().path("reused_from").asText()).isEqualTo(run + "/first");
        }
        Job reused = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(run + "/second").orElseThrow());
        assertThat(reused.reuseKey).isEqualTo(ReuseKeys.of(reused.input, ReuseKeys.ofBytes(TestImages.sha256(image))).orElseThrow());
        assertThat(EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().equals("twins " + run))).hasSize(1);
    }
}
