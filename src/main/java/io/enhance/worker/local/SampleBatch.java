package io.enhance.worker.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.events.OutboxEvent;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.StoredOutput;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The newcomer's first run: uploads the bundled sample images to the S3 store, publishes one job
 * per image to the request queue like any client would, follows the batch in the database and
 * prints where each enhanced image landed. Exits 0 when every job completed.
 */
public class SampleBatch implements QuarkusApplication {

    static final String SAMPLES_BUCKET = "samples";
    private static final Duration BATCH_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration PROGRESS_INTERVAL = Duration.ofMillis(250);

    @Inject
    S3Client s3;
    @Inject
    QueuesConfig queues;
    @Inject
    ObjectMapper json;
    @Inject
    LocalServices localServices;
    @ConfigProperty(name = "rabbitmq-host", defaultValue = "localhost")
    String rabbitHost;
    @ConfigProperty(name = "rabbitmq-port", defaultValue = "5672")
    int rabbitPort;
    @ConfigProperty(name = "rabbitmq-username", defaultValue = "guest")
    String rabbitUser;
    @ConfigProperty(name = "rabbitmq-password", defaultValue = "guest")
    String rabbitPassword;

    @Override
    public int run(String... args) throws Exception {
        boolean keepRunning = List.of(args).contains("--keep-running");
        String batchId = "demo-" + Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14);
        List<String> samples = sampleNames();
        LocalServices.createBucket(s3, SAMPLES_BUCKET);
        publish(batchId, samples);
        System.out.printf("%nPublished %d jobs of batch %s to queue %s%n", samples.size(), batchId, queues.requests());

        List<Job> jobs = awaitBatch(batchId, samples.size());
        boolean allCompleted = report(jobs);
        awaitEventsRelayed(batchId);
        if (keepRunning) {
            System.out.println("Worker keeps serving (--keep-running); stop it with Ctrl+C.");
            Quarkus.waitForExit();
        }
        return allCompleted ? 0 : 1;
    }

    private List<String> sampleNames() throws IOException {
        try (InputStream index = resource("samples/index.txt")) {
            return new String(index.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(line -> !line.isEmpty()).toList();
        }
    }

    private void publish(String batchId, List<String> samples) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(rabbitHost);
        factory.setPort(rabbitPort);
        factory.setUsername(rabbitUser);
        factory.setPassword(rabbitPassword);
        try (Connection connection = factory.newConnection("enhance-worker demo");
                Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (String sample : samples) {
                try (InputStream image = resource("samples/" + sample)) {
                    byte[] bytes = image.readAllBytes();
                    s3.putObject(put -> put.bucket(SAMPLES_BUCKET).key(sample), RequestBody.fromBytes(bytes));
                }
                Map<String, Object> request = Map.of(
                        "job_id", batchId + "/" + sample.replaceAll("\\.[a-z]+$", ""),
                        "batch_id", batchId,
                        "input", Map.of("image", "s3://" + SAMPLES_BUCKET + "/" + sample,
                                "prompt", "restore fine detail, natural colours", "seed", 42),
                        "metadata", Map.of("source", "demo"));
                channel.basicPublish("", queues.requests(), new AMQP.BasicProperties.Builder()
                        .contentType("application/json").deliveryMode(2).build(), json.writeValueAsBytes(request));
            }
            channel.waitForConfirmsOrDie(10_000);
        }
    }

    private List<Job> awaitBatch(String batchId, int expected) throws InterruptedException {
        Instant deadline = Instant.now().plus(BATCH_TIMEOUT);
        String lastLine = "";
        while (true) {
            List<Job> jobs = QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batchId));
            Map<String, Long> byStatus = jobs.stream().collect(
                    Collectors.groupingBy(job -> job.status.name().toLowerCase(), TreeMap::new, Collectors.counting()));
            String line = "  " + jobs.size() + "/" + expected + " stored  " + byStatus;
            if (!line.equals(lastLine)) {
                System.out.println(line);
                lastLine = line;
            }
            if (jobs.size() == expected && jobs.stream().allMatch(job -> job.status.isTerminal())) {
                return jobs;
            }
            if (Instant.now().isAfter(deadline)) {
                System.out.println("Batch not finished after " + BATCH_TIMEOUT + "; see the jobs table.");
                return jobs;
            }
            Thread.sleep(PROGRESS_INTERVAL.toMillis());
        }
    }

    private boolean report(List<Job> jobs) {
        System.out.println();
        boolean allCompleted = !jobs.isEmpty();
        for (Job job : jobs) {
            if (job.outputs == null || job.outputs.isEmpty()) {
                allCompleted = false;
                System.out.printf("%-40s %s %s%n", job.jobId, job.status, job.error().map(Object::toString).orElse(""));
                continue;
            }
            for (StoredOutput output : job.outputs) {
                System.out.printf("%-40s %s  %dx%d  s3://%s/%s%n", job.jobId, job.status, output.width(),
                        output.height(), output.bucket(), output.key());
                localServices.store().ifPresent(store -> System.out.printf("%-40s   file: %s%n", "",
                        store.fileOf(output.bucket(), output.key())));
            }
        }
        System.out.println();
        return allCompleted;
    }

    private void awaitEventsRelayed(String batchId) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        long unsent;
        while ((unsent = QuarkusTransaction.requiringNew().call(
                () -> OutboxEvent.count("sentAt is null and subject like ?1", batchId + "/%"))) > 0
                && Instant.now().isBefore(deadline)) {
            Thread.sleep(PROGRESS_INTERVAL.toMillis());
        }
        System.out.println(unsent == 0 ? "All outcome events published to exchange " + queues.eventsExchange() + "."
                : unsent + " outcome events still waiting in the outbox; they go out on the next start.");
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = SampleBatch.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("bundled resource missing: " + name);
        }
        return in;
    }
}
