package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestS3;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Every retry loop ends: a job that cannot progress reaches a final state within its documented bound. */
@QuarkusTest
@TestProfile(BoundedRetriesTest.ShortDeadlines.class)
@QuarkusTestResource(EmbeddedServices.class)
@Tag("fault-suite") // a long scenario (a profile of its own, or a storm): with the fault suite, outside the test command
class BoundedRetriesTest {

    /** Deadlines of seconds instead of hours; sources uploaded through the media API. */
    public static class ShortDeadlines implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wavespeed.upload-sources", "true",
                    "wavespeed.prediction-deadline", "3s",
                    "wavespeed.submission-deadline", "3s");
        }
    }

    private static final Duration BOUND = Duration.ofSeconds(30);

    @Inject
    QueuesConfig queues;

    @AfterEach
    void calmTheEmulator() {
        EmbeddedServices.emulator().settings().setResultFaultRate(0).setRate429(0);
    }

    @Test
    void failsAPredictionPastItsDeadlineWhenEveryPollErrs() throws Exception {
        EmbeddedServices.emulator().settings().setResultFaultRate(1.0);

        JsonNode error = finalError(newJob("polls-fail"));

        assertThat(error.path("code").asText()).isEqualTo("prediction_deadline_exceeded");
        assertThat(error.path("message").asText()).contains("the last poll got");
    }

    @Test
    void failsAJobWhoseSubmissionsAreRateLimitedPastTheSubmissionDeadlineWithTheLastReason() throws Exception {
        EmbeddedServices.emulator().settings().setRate429(1.0);

        JsonNode error = finalError(newJob("rate-limited"));

        assertThat(error.path("code").asText()).isEqualTo("submission_not_created");
        assertThat(error.path("message").asText()).contains("rate limited (429)");
    }

    @Test
    void failsAJobWhoseS3SourceIsMissingAtOnceInsteadOfQueueingItAgainForever() throws Exception {
        String jobId = "missing-source-" + UUID.randomUUID().toString().substring(0, 8);
        String missing = "s3://" + TestS3.SOURCES_BUCKET + "/" + jobId + ".png";

        JsonNode error = finalError(jobId, missing);

        assertThat(error.path("code").asText()).isEqualTo("source_unavailable");
        assertThat(error.path("message").asText()).contains(missing).contains("NoSuchKey");
        assertThat(QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow().attempts))
                .as("submission attempts").isEqualTo(1);
    }

    private String newJob(String name) {
        String jobId = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        EmbeddedServices.s3().putSource(jobId + ".png", TestImages.card(16, 16, 4));
        return jobId;
    }

    private JsonNode finalError(String jobId) throws Exception {
        return finalError(jobId, "s3://" + TestS3.SOURCES_BUCKET + "/" + jobId + ".png");
    }

    /** The error of the job's one outcome event, which must be job.failed and come within the bound. */
    private JsonNode finalError(String jobId, String source) throws Exception {
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(jobId, source).bytes());
            await().atMost(BOUND).until(() -> broker.eventsFor(jobId).size() == 1);
            assertThat(broker.eventsFor(jobId).get(0).routingKey()).isEqualTo("job.failed");
            return broker.eventsFor(jobId).get(0).data().path("error");
        }
    }
}
