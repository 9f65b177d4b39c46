package io.enhance.worker.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Items that become ready at different times (each after a check of its own), handed on as soon as
 * they are, together with all the others ready by then: those ready at once share one write, and a
 * slow one holds up none of the others. Each counts as work under way until it is handed on, so that
 * shutdown waits for it. One worker thread at a time hands items on.
 */
public final class AsReady<T> {

    private record Ready<T>(T item, Runnable handedOn) {
    }

    private final Rounds rounds;
    private final Consumer<List<T>> handOn;
    private final Executor executor = Infrastructure.getDefaultWorkerPool();
    private final Queue<Ready<T>> ready = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean handing = new AtomicBoolean();

    /** {@code handOn} gets the items ready together, on a worker thread (it may block). */
    public AsReady(Rounds rounds, Consumer<List<T>> handOn) {
        this.rounds = rounds;
        this.handOn = handOn;
    }

    /** Hands the item on once {@code becomingReady} completes; it must complete, and never fail. */
    public void add(CompletionStage<T> becomingReady) {
        Runnable handedOn = rounds.begin();
        becomingReady.thenAccept(item -> {
            ready.add(new Ready<>(item, handedOn));
            if (handing.compareAndSet(false, true)) {
                try {
                    executor.execute(this::handOnWhileReady);
                } catch (RejectedExecutionException shuttingDown) { // nobody will hand them on: nobody may wait for them
                    handing.set(false);
                    for (Ready<T> left; (left = ready.poll()) != null;) {
                        left.handedOn().run();
                    }
                }
            }
        });
    }

    private void handOnWhileReady() {
        do {
            try {
                for (List<Ready<T>> batch = takeReady(); !batch.isEmpty(); batch = takeReady()) {
                    try {
                        handOn.accept(batch.stream().map(Ready::item).toList());
                    } finally {
                        batch.forEach(entry -> entry.handedOn().run());
                    }
                }
            } finally {
                handing.set(false);
            }
            // an item that became ready just as the hand-over stopped must not wait for the next one
        } while (!ready.isEmpty() && handing.compareAndSet(false, true));
    }

    private List<Ready<T>> takeReady() {
        List<Ready<T>> batch = new ArrayList<>();
        for (Ready<T> next; (next = ready.poll()) != null;) {
            batch.add(next);
        }
        return batch;
    }
}
