package io.enhance.worker.emulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/** The predictions the emulator knows, and the ledger of every submit that created one. */
final class PredictionStore {

    /** Like WaveSpeed, history only reaches back this far. */
    static final Duration HISTORY_WINDOW = Duration.ofDays(7);

    private final Map<String, EmulatedPrediction> predictions = new ConcurrentHashMap<>();
    private final List<ReceivedSubmission> ledger = new ArrayList<>();
    private final List<ReceivedDelete> deletes = new ArrayList<>();
    private final FileStore files;

    PredictionStore(FileStore files) {
        this.files = files;
    }

    /** Builds the prediction with the next sequence number, so ledger order, sequence and created_at agree. */
    EmulatedPrediction create(LongFunction<EmulatedPrediction> factory) {
        synchronized (ledger) {
            EmulatedPrediction prediction = factory.apply(ledger.size());
            predictions.put(prediction.id, prediction);
            ledger.add(new ReceivedSubmission(prediction.id, prediction.model, prediction.input.deepCopy(),
                    prediction.webhookUrl, prediction.createdAt));
            return prediction;
        }
    }

    Optional<EmulatedPrediction> find(String id) {
        return Optional.ofNullable(predictions.get(id));
    }

    boolean contains(String id) {
        return predictions.containsKey(id);
    }

    /**
     * Deletes the predictions and records the call in the ledger; answers how many it deleted. A task still
     * {@code created} or {@code processing} is stopped and removed with any output. One already finished
     * (including one {@code finishFirst} lets finish just before the delete takes effect) leaves the history,
     * but, as WaveSpeed documents, a completed task's outputs stay until retention ends: its result stays
     * readable by id. Unknown ids are ignored.
     */
    int delete(List<String> ids, Predicate<EmulatedPrediction> finishFirst) {
        List<ReceivedDelete.Task> tasks = new ArrayList<>(ids.size());
        int deleted = 0;
        for (String id : ids) {
            EmulatedPrediction prediction = predictions.get(id);
            if (prediction == null || prediction.isDeleted()) {
                tasks.add(new ReceivedDelete.Task(id, "unknown"));
                continue;
            }
            finishFirst.test(prediction);
            String status = prediction.status();
            if (prediction.markDeleted()) {
                predictions.remove(id);
                files.deleteOutputs(id);
            }
            deleted++;
            tasks.add(new ReceivedDelete.Task(id, status));
        }
        synchronized (deletes) {
            deletes.add(new ReceivedDelete(Instant.now(), List.copyOf(tasks)));
        }
        return deleted;
    }

    /** Every delete call, oldest first; a copy. */
    List<ReceivedDelete> deletes() {
        synchronized (deletes) {
            return List.copyOf(deletes);
        }
    }

    /** Matching predictions of the last seven days, newest first. */
    List<EmulatedPrediction> history(Predicate<EmulatedPrediction> filter) {
        Instant oldest = Instant.now().minus(HISTORY_WINDOW);
        return predictions.values().stream()
                .filter(p -> !p.createdAt.isBefore(oldest) && !p.isDeleted())
                .filter(filter)
                .sorted(Comparator.comparingLong((EmulatedPrediction p) -> p.sequence).reversed())
                .toList();
    }

    List<ReceivedSubmission> submissions() {
        synchronized (ledger) {
            return List.copyOf(ledger);
        }
    }

    int createdCount() {
        synchronized (ledger) {
            return ledger.size();
        }
    }
}
