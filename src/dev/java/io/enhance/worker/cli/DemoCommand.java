package io.enhance.worker.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.node.IntNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.config.S3Config;
import io.enhance.worker.events.OutboxEvent;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.local.LocalServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;

/**
 * The newcomer's first run (local profile: embedded emulator and S3 store, in-process worker): the
 * bundled samples as a batch of their own, run like {@code submit} runs a folder, then where each
 * enhanced image landed. Exits 0 when every job completed; {@code --keep-running} keeps the worker serving.
 */
public class DemoCommand implements QuarkusApplication {

    private static final String SAMPLES = "samples";
    private static final Duration BATCH_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration RELAY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RELAY_CHECK = Duration.ofMillis(250);

    @Inject
    BatchRunner runner;
    @Inject
    S3Config s3;
    @Inject
    QueuesConfig queues;
    @Inject
    LocalServices localServices;
    @Inject
    JobStore store;

    @Override
    public int run(String... args) throws Exception {
        boolean keepRunning = List.of(args).contains("--keep-running");
        String batch = "demo-" + Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14);
        List<InputImage> images = BundledSamples.inFolder(SAMPLES, s3.bucket().orElseThrow(), batch);
        BatchState.Outcome outcome = runner.run(batch, images, new BatchRunner.Work(SubmitArguments.DEFAULT_PROMPT,
                Map.of("seed", IntNode.valueOf(42)), Optional.empty(), "demo", Optional.empty()), BATCH_TIMEOUT, true,
                System.out);
        boolean allDelivered = printOutputs(batch);
        awaitEventsRelayed(batch);
        if (keepRunning) {
            System.out.println("Worker keeps serving (--keep-running); stop it with Ctrl+C.");
            Quarkus.waitForExit();
        }
        return outcome == BatchState.Outcome.ALL_COMPLETED && allDelivered ? 0 : 1;
    }

    /** Answers whether every job has outputs. */
    private boolean printOutputs(String batch) {
        List<Job> jobs = QuarkusTransaction.requiringNew().call(() -> store.jobsOfBatch(batch));
        System.out.println();
        boolean allDelivered = !jobs.isEmpty();
        for (Job job : jobs) {
            if (job.outputs == null || job.outputs.isEmpty()) {
                allDelivered = false;
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
        return allDelivered;
    }

    private void awaitEventsRelayed(String batch) throws InterruptedException {
        Instant deadline = Instant.now().plus(RELAY_TIMEOUT);
        long unsent;
        while ((unsent = QuarkusTransaction.requiringNew().call(
                () -> OutboxEvent.count("sentAt is null and subject like ?1", batch + "/%"))) > 0
                && Instant.now().isBefore(deadline)) {
            Thread.sleep(RELAY_CHECK.toMillis());
        }
        System.out.println(unsent == 0 ? "All outcome events published to exchange " + queues.eventsExchange() + "."
                : unsent + " outcome events still waiting in the outbox; they go out on the next start.");
    }
}
