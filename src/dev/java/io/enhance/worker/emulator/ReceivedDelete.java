package io.enhance.worker.emulator;

import java.time.Instant;
import java.util.List;

/**
 * One delete call as the emulator received it, for the ledger: which tasks it named, and the state each was in
 * when the delete reached it, so that a test can prove what was paid for (a task deleted while {@code created}
 * never ran; one deleted while {@code processing} had started).
 *
 * @param at when the call arrived
 */
public record ReceivedDelete(Instant at, List<Task> tasks) {

    /**
     * A task a delete named.
     *
     * @param status its state when the delete took effect: {@code created} or {@code processing} (stopped and
     *        removed), {@code completed} or {@code failed} (finished first: its result and outputs are kept), or
     *        {@code unknown} for an id the emulator does not know (ignored)
     */
    public record Task(String id, String status) {
    }
}
