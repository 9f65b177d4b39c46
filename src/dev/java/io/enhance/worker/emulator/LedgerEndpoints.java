package io.enhance.worker.emulator;

import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a benchmark asks an emulator running in its own process, outside the WaveSpeed API: how busy the
 * upstream slots are, and when each prediction finished and how often it was polled.
 */
final class LedgerEndpoints {

    private final PredictionStore store;
    private final UpstreamSlots slots;
    private final StartRate startRate;

    LedgerEndpoints(PredictionStore store, UpstreamSlots slots, StartRate startRate) {
        this.store = store;
        this.slots = slots;
        this.startRate = startRate;
    }

    /**
     * {@code GET /emulator/slots}: tasks created so far, submits refused by the rate (429), slots in use,
     * tasks waiting for one, and busy slots integrated over time; two readings give the average between them.
     */
    void slots(Call call) throws IOException {
        UpstreamSlots.Snapshot now = slots.snapshot();
        call.json(200, Json.object().put("created", store.createdCount()).put("rate_limited", startRate.refused())
                .put("concurrency", now.concurrency()).put("running", now.running())
                .put("waiting", now.waiting()).put("busy_slot_nanos", now.busySlotNanos()).put("nanos", now.nanos()));
    }

    /** {@code GET /emulator/predictions}: every prediction, with its wall-clock times in epoch microseconds. */
    void predictions(Call call) throws IOException {
        ObjectNode answer = Json.object();
        ArrayNode items = answer.putArray("items");
        for (EmulatedPrediction prediction : store.history(any -> true)) {
            ObjectNode item = items.addObject().put("id", prediction.id).put("status", prediction.status())
                    .put("polls", prediction.polls()).put("created_at_us", micros(prediction.createdAt));
            Instant finished = prediction.finishedAt();
            if (finished != null) {
                item.put("finished_at_us", micros(finished));
            }
        }
        call.json(200, answer);
    }

    /**
     * {@code GET /emulator/deletes}: every delete call, oldest first, with the state each task it named was in
     * when the delete took effect: what the deleted tasks had cost is read from there.
     */
    void deletes(Call call) throws IOException {
        ObjectNode answer = Json.object();
        ArrayNode calls = answer.putArray("calls");
        for (ReceivedDelete delete : store.deletes()) {
            ArrayNode tasks = calls.addObject().put("at_us", micros(delete.at())).putArray("tasks");
            delete.tasks().forEach(task -> tasks.addObject().put("id", task.id()).put("status", task.status()));
        }
        call.json(200, answer);
    }

    private static long micros(Instant at) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, at);
    }
}
