package io.enhance.worker.delivery;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.services.s3.S3Client;

/** A transfer slot comes back whatever the transfer ends in, so that one bad output cannot stop delivery for good. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class DeliverySlotsTest {

    @Inject
    QueuesConfig queues;
    @Inject
    PipelineConfig pipeline;
    @Inject
    S3Client s3;

    @Test
    void transfersThatEndInAnErrorGiveTheirSlotsBackAndTheirJobsAreDeliveredAgain() throws Exception {
        int slots = pipeline.deliveryThreads();
        AtomicInteger uploads = new AtomicInteger();
        // as many Errors as there are slots: a slot that is not given back would leave none for any job
        // (the Errors are the worker's to handle, so the wait below does not fail on them)
        QuarkusMock.installMockForType(new OutputUploads(s3) {
            @Override
            void put(String bucket, String key, FetchedOutput output, String jobId) throws DeliveryException {
                if (uploads.incrementAndGet() <= slots) {
                    throw new StackOverflowError("injected");
                }
                super.put(bucket, key, output, jobId);
            }
        }, OutputUploads.class);
        String batch = "slots-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(24, 16, 5));
        int jobs = slots + 1;
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < jobs; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).input("seed", i).bytes());
            }
        }

        await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(30)).until(() -> QuarkusTransaction.requiringNew()
                .call(() -> Job.count("batchId = ?1 and status = ?2", batch, JobStatus.COMPLETED)) == jobs);
        assertThat(uploads).as("the failed transfers were tried again").hasValueGreaterThan(jobs);
    }
}
