package io.enhance.worker.delivery;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredJobs;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Every delivery ends: a stalled download holds up no other job, and passing failures stop at the delivery deadline. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
@TestProfile(DeliveryDeadlinesTest.ShortDeadlines.class)
@Tag("fault-suite") // a long scenario (a profile of its own, or a storm): with the fault suite, outside the test command
class DeliveryDeadlinesTest {

    static final Duration DOWNLOAD_TIMEOUT = Duration.ofSeconds(4);
    static final Duration DELIVERY_DEADLINE = Duration.ofSeconds(10);

    public static class ShortDeadlines implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pipeline.download-timeout", DOWNLOAD_TIMEOUT.toSeconds() + "s",
                    "pipeline.delivery-deadline", DELIVERY_DEADLINE.toSeconds() + "s",
                    "s3.call-timeout", "5s",
                    "wavespeed.max-in-flight", "300");
        }
    }

    @Inject
    QueuesConfig queues;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void calmTheEmulator() {
        EmbeddedServices.emulator().settings().setOutputStallRate(0);
    }

    @Test
    void everyJobEndsWhenTwoPercentOfDownloadsStallAndEveryOtherJobCompletes() throws Exception {
        EmbeddedServices.emulator().settings().setOutputStallRate(0.02);
        String batch = "stalls-" + run;
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(24, 16, 3));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < 300; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).input("seed", i).bytes());
            }
        }

        await().atMost(Duration.ofSeconds(150)).until(() -> finishedIn(batch) == 300);

        List<Object[]> deliveries = deliveries(batch);
        Set<String> stalled = EmbeddedServices.emulator().stalledOutputs();
        assertThat(deliveries).hasSize(300);
        assertThat(deliveries).filteredOn(row -> stalled.contains((String) row[0])).as("stalled jobs").isNotEmpty()
                .allSatisfy(row -> {
                    assertThat(row[2]).as("a stalled job ends completed, or failed with a reason").isIn("COMPLETED", "FAILED");
                    assertThat(Duration.ofMillis(((Number) row[1]).longValue())).as("held by its stalled download")
                            .isGreaterThanOrEqualTo(DOWNLOAD_TIMEOUT);
                });
        assertThat(deliveries).filteredOn(row -> row[2].equals("FAILED")).allSatisfy(row -> assertThat(row[3]).isNotNull());
        assertThat(deliveries).filteredOn(row -> !stalled.contains((String) row[0])).as("jobs whose download did not stall")
                .allSatisfy(row -> assertThat(row[2]).isEqualTo("COMPLETED"));
    }

    @Test
    void aDeliveryThatKeepsFailingForPassingReasonsFailsAtTheDeliveryDeadline() throws Exception {
        HttpServer busy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        busy.createContext("/", exchange -> {
            exchange.sendResponseHeaders(429, -1);
            exchange.close();
        });
        busy.start();
        try {
            String jobId = "busy-" + run;
            Instant delivering = deliveringJob(jobId, "http://127.0.0.1:" + busy.getAddress().getPort() + "/out.png");

            await().atMost(DELIVERY_DEADLINE.plusSeconds(30)).until(() -> status(jobId) == JobStatus.FAILED);

            Job failed = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow());
            assertThat(failed.errorCode).isEqualTo("delivery_deadline_exceeded");
            assertThat(failed.errorMessage).contains("PIPELINE_DELIVERY_DEADLINE").endsWith("output URL answered HTTP 429");
            assertThat(Duration.between(delivering, failed.finishedAt)).isGreaterThanOrEqualTo(DELIVERY_DEADLINE);
        } finally {
            busy.stop(0);
        }
    }

    @Test
    void aJobWhoseDownloadStallsHoldsUpNoJobBehindItAndFailsAtTheDeliveryDeadline() throws Exception {
        AtomicReference<Instant> stalledAt = new AtomicReference<>();
        HttpServer outputs = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        outputs.createContext("/stall.png", exchange -> {
            stalledAt.compareAndSet(null, Instant.now()); // the headers and a few bytes, then nothing
            exchange.sendResponseHeaders(200, 1000);
            exchange.getResponseBody().write(new byte[16]);
            exchange.getResponseBody().flush();
        });
        byte[] image = TestImages.card(8, 8, 4);
        outputs.createContext("/out.png", exchange -> {
            exchange.sendResponseHeaders(200, image.length);
            exchange.getResponseBody().write(image);
            exchange.close();
        });
        ExecutorService answering = Executors.newCachedThreadPool();
        outputs.setExecutor(answering);
        outputs.start();
        String base = "http://127.0.0.1:" + outputs.getAddress().getPort();
        try {
            deliveringJob("stalls-" + run, base + "/stall.png");
            await().atMost(Duration.ofSeconds(10)).until(() -> stalledAt.get() != null);

            deliveringJob("behind-" + run, base + "/out.png");

            // claimed and delivered while the first job's download still hangs
            await().atMost(Duration.between(Instant.now(), stalledAt.get().plus(DOWNLOAD_TIMEOUT)))
                    .until(() -> status("behind-" + run) == JobStatus.COMPLETED);
            await().atMost(DELIVERY_DEADLINE.plusSeconds(30)).until(() -> status("stalls-" + run) == JobStatus.FAILED);
            Job failed = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId("stalls-" + run).orElseThrow());
            assertThat(failed.errorCode).isEqualTo("delivery_deadline_exceeded");
            assertThat(failed.errorMessage).endsWith("output download did not finish within " + DOWNLOAD_TIMEOUT);
        } finally {
            outputs.stop(0);
            answering.shutdownNow();
        }
    }

    /** A job whose prediction finished with {@code output}, as if WaveSpeed had reported it. */
    private static Instant deliveringJob(String jobId, String output) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Instant now = Instant.now();
            Job job = StoredJobs.queued(jobId, null, Map.of("prompt", "p", "image", "https://x.test/a.png"), "enhanced", "",
                    null, null, now);
            job.startSubmission(now, Duration.ZERO, "test", BigDecimal.ZERO);
            job.submitted("prediction-" + jobId, BigDecimal.ZERO, now, now, "test");
            job.predictionCompleted(List.of(output), List.of(false), 10L, now);
            return now;
        });
    }

    private static JobStatus status(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow().status);
    }

    private static long finishedIn(String batch) {
        return QuarkusTransaction.requiringNew().call(() -> Job.count("batchId = ?1 and status in ?2", batch,
                Set.of(JobStatus.COMPLETED, JobStatus.FAILED)));
    }

    /** Per job: prediction id, milliseconds from its first entry into DELIVERING to its end, final status, error code. */
    @SuppressWarnings("unchecked")
    private static List<Object[]> deliveries(String batch) {
        return QuarkusTransaction.requiringNew().call(() -> Job.getEntityManager().createNativeQuery("""
                select j.prediction_id, extract(epoch from (j.finished_at - min(t.at))) * 1000, j.status, j.error_code
                from jobs j join job_transitions t on t.job = j.id and t.to_status = 'DELIVERING'
                where j.batch_id = ?1 group by j.id""").setParameter(1, batch).getResultList());
    }
}
