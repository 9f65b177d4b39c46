package io.enhance.worker.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Answers of calls a stage started without waiting for them (submits, polls, transfers): each is
 * queued as it arrives and counted as work under way until the stage has written it, so that
 * shutdown waits for it. A stage writes all that has arrived in one transaction; an answer the
 * database could not take stays queued and is written again, also through an outage, because a
 * submit's answer is the only proof of which task it created.
 */
public final class Arrivals<E> {

    /** How soon an answer the database could not take is tried again. */
    static final Duration RETRY_DELAY = Duration.ofSeconds(1);

    private record Arrival<E>(E item, Runnable written) {
    }

    private final Queue<Arrival<E>> queue = new ConcurrentLinkedQueue<>();
    private final Rounds rounds;
    private final Wakeups wakeups;
    private final Stage stage;

    /** Answers that {@code stage} writes; each arrival wakes it. */
    public Arrivals(Rounds rounds, Wakeups wakeups, Stage stage) {
        this.rounds = rounds;
        this.wakeups = wakeups;
        this.stage = stage;
    }

    /** Counts a call as under way until its answer is written; the answer goes to the consumer returned. */
    public Consumer<E> expect() {
        Runnable written = rounds.begin();
        return item -> {
            queue.add(new Arrival<>(item, written));
            wakeups.wake(stage);
        };
    }

    /**
     * Hands everything that has arrived to {@code write} at once, which answers the indexes it could not
     * write. Those stay queued, still under way, and the stage is woken to try them again; should
     * {@code write} throw, all of them do. Answers that are no longer needed count as written.
     */
    public void writeArrived(Function<List<E>, Set<Integer>> write) {
        List<Arrival<E>> arrived = new ArrayList<>();
        for (Arrival<E> arrival; (arrival = queue.poll()) != null; ) {
            arrived.add(arrival);
        }
        if (arrived.isEmpty()) {
            return;
        }
        Set<Integer> notWritten = null;
        try {
            notWritten = write.apply(arrived.stream().map(Arrival::item).toList());
        } finally {
            for (int i = 0; i < arrived.size(); i++) {
                if (notWritten == null || notWritten.contains(i)) {
                    queue.add(arrived.get(i));
                } else {
                    arrived.get(i).written().run();
                }
            }
            if (notWritten == null || !notWritten.isEmpty()) {
                wakeups.wakeIn(stage, RETRY_DELAY);
            }
        }
    }

    /** Answers waiting to be written. */
    public int waiting() {
        return queue.size();
    }
}
