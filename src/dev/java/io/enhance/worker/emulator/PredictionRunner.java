package io.enhance.worker.emulator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * Drives predictions through their states on a scheduler: an upstream slot first (waiting as
 * {@code created} while all are taken), {@code processing} at a quarter of the drawn latency but no later
 * than {@link #MOST_CREATED_IN_A_SLOT_MS} (a long model is not a queue: only a task without a slot waits long as
 * {@code created}, which is what tells a client its concurrency is too high), then the
 * image work on a small worker pool, then {@code completed} or {@code failed} once the whole latency has
 * passed since the slot was given (or when the work ends, if it took longer). Every way a task ends
 * gives its slot back.
 */
final class PredictionRunner {

    /** A task holding a slot starts processing within this, however long its inference. */
    static final long MOST_CREATED_IN_A_SLOT_MS = 2000;
    static final String INJECTED_FAILURE = "Inference failed: the model could not process this request (injected by the emulator's failure rate)";

    private final ScheduledExecutorService scheduler;
    private final ExecutorService workers;
    private final SourceImageFetcher fetcher;
    private final FileStore files;
    private final PredictionStore store;
    private final WebhookDispatcher webhooks;
    private final UpstreamSlots slots;
    private final EnhancedOutputs outputs;

    PredictionRunner(ScheduledExecutorService scheduler, ExecutorService workers, SourceImageFetcher fetcher,
                     FileStore files, PredictionStore store, WebhookDispatcher webhooks, UpstreamSlots slots,
                     EnhancedOutputs outputs) {
        this.scheduler = scheduler;
        this.workers = workers;
        this.fetcher = fetcher;
        this.files = files;
        this.store = store;
        this.webhooks = webhooks;
        this.slots = slots;
        this.outputs = outputs;
    }

    void start(EmulatedPrediction prediction) {
        slots.admit(() -> {
            prediction.admitted();
            schedule(() -> beginProcessing(prediction),
                    Math.min(prediction.latencyMs / 4, MOST_CREATED_IN_A_SLOT_MS) * 1_000_000);
        });
    }

    private void beginProcessing(EmulatedPrediction prediction) {
        if (!store.contains(prediction.id) || !prediction.startProcessing()) {
            slots.release();
            return;
        }
        if (prediction.fated) {
            schedule(() -> fail(prediction, INJECTED_FAILURE), prediction.remainingNanos());
            return;
        }
        try {
            workers.execute(() -> process(prediction));
        } catch (RejectedExecutionException closed) {
            // the emulator stopped
        }
    }

    private void process(EmulatedPrediction prediction) {
        try {
            byte[] output = outputs.enhance(fetcher.download(prediction.request.image()), prediction.request);
            if (!store.contains(prediction.id)) {
                slots.release();
                return;
            }
            Path file = files.write(files.output(prediction.id, prediction.outputFileName()), output);
            schedule(() -> complete(prediction, file), prediction.remainingNanos());
        } catch (PredictionFailure e) {
            schedule(() -> fail(prediction, e.getMessage()), prediction.remainingNanos());
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            schedule(() -> fail(prediction, "Internal error while enhancing the image: " + e), prediction.remainingNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Ends a task still {@code created} or {@code processing} at once, as if its inference had just finished:
     * its output is made now and its webhook sent. Its slot is given back where its run would have ended anyway
     * (the scheduled steps find it finished). Returns whether it ended now.
     */
    boolean finishNow(EmulatedPrediction prediction) {
        if (prediction.isFinished()) {
            return false;
        }
        boolean ended;
        if (prediction.fated) {
            ended = prediction.fail(INJECTED_FAILURE);
        } else {
            try {
                byte[] output = outputs.enhance(fetcher.download(prediction.request.image()), prediction.request);
                ended = prediction.complete(files.write(files.output(prediction.id, prediction.outputFileName()), output));
            } catch (PredictionFailure e) {
                ended = prediction.fail(e.getMessage());
            } catch (IOException | RuntimeException e) {
                ended = prediction.fail("Internal error while enhancing the image: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DroppedConnection();
            }
        }
        if (ended) {
            notifyWebhook(prediction);
        }
        return ended;
    }

    private void complete(EmulatedPrediction prediction, Path file) {
        slots.release();
        if (store.contains(prediction.id) && prediction.complete(file)) {
            notifyWebhook(prediction);
        }
    }

    private void fail(EmulatedPrediction prediction, String error) {
        slots.release();
        if (store.contains(prediction.id) && prediction.fail(error)) {
            notifyWebhook(prediction);
        }
    }

    private void notifyWebhook(EmulatedPrediction prediction) {
        if (prediction.webhookUrl == null || prediction.webhookLost) {
            return;
        }
        try {
            webhooks.deliver(prediction.webhookUrl, Json.MAPPER.writeValueAsBytes(prediction.toJson(true)));
        } catch (JsonProcessingException | RejectedExecutionException e) {
            // cannot happen for a tree we built / the emulator stopped
        }
    }

    private void schedule(Runnable task, long delayNanos) {
        try {
            scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // the emulator stopped
        }
    }
}
