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

    /** Removes the predictions and their output files; answers how many existed. */
    int delete(List<String> ids) {
        int deleted = 0;
        for (String id : ids) {
            if (predictions.remove(id) != null) {
                files.deleteOutputs(id);
                deleted++;
            }
        }
        return deleted;
    }

    /** Matching predictions of the last seven days, newest first. */
    List<EmulatedPrediction> history(Predicate<EmulatedPrediction> filter) {
        Instant oldest = Instant.now().minus(HISTORY_WINDOW);
        return predictions.values().stream()
                .filter(p -> !p.createdAt.isBefore(oldest))
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
