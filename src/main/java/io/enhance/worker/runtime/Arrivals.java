package io.enhance.worker.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Answers of calls a stage started without waiting for them (submits, polls, transfers): each is
 * queued as it arrives and counted as work under way until the stage has written it, so that
 * shutdown waits for it. A stage writes all that has arrived in one transaction.
 */
public final class Arrivals<E> {

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

    /** Hands everything that has arrived to {@code write} at once; each counts as ended afterwards, written or not. */
    public void writeArrived(Consumer<List<E>> write) {
        List<Arrival<E>> arrived = new ArrayList<>();
        for (Arrival<E> arrival; (arrival = queue.poll()) != null; ) {
            arrived.add(arrival);
        }
        if (arrived.isEmpty()) {
            return;
        }
        try {
            write.accept(arrived.stream().map(Arrival::item).toList());
        } finally {
            arrived.forEach(arrival -> arrival.written().run());
        }
    }
}
