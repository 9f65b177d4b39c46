package io.enhance.worker.intake;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import org.jboss.logging.Logger;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.metrics.WorkerMetrics;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Stores request messages many per transaction (a group commit), so that a burst costs one commit (one
 * fsync) per group instead of one per message. Messages wait in arrival order; one writer at a time takes up
 * to {@code PIPELINE_INTAKE_GROUP_SIZE} of them, or what has arrived within
 * {@code PIPELINE_INTAKE_GROUP_WAIT} of the oldest, and stores them in one transaction. While it
 * commits, the next group gathers. Each message's stage completes only after the commit that holds
 * it, so its ack follows the commit.
 *
 * <p>If a group cannot be stored, the database is either down (every message fails with that error,
 * and intake holds them) or one message is at fault: each is then stored on its own, so it alone fails.
 */
@ApplicationScoped
public class GroupCommits {

    private static final Logger LOG = Logger.getLogger(GroupCommits.class);

    private record Waiting(RequestMessage message, CompletableFuture<JobIntake.Result> stored, long arrivedAt) {
    }

    private final JobIntake intake;
    private final JobStoreOutage outage;
    private final Event<JobsQueued> queued;
    private final int groupSize;
    private final long groupWaitNanos;
    private final DistributionSummary groupSizes;
    private final WorkerMetrics metrics;
    private final BlockingQueue<Waiting> waiting = new LinkedBlockingQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    GroupCommits(JobIntake intake, JobStoreOutage outage, Event<JobsQueued> queued, PipelineConfig pipeline,
            MeterRegistry registry, WorkerMetrics metrics) {
        this.metrics = metrics;
        this.intake = intake;
        this.outage = outage;
        this.queued = queued;
        this.groupSize = pipeline.intakeGroupSize();
        this.groupWaitNanos = pipeline.intakeGroupWait().toNanos();
        // the meter keeps its published name (dashboards and alerts read it)
        this.groupSizes = DistributionSummary.builder("enhance.intake.batch").baseUnit("messages")
                .description("Request messages stored per intake transaction").register(registry);
    }

    /** Completes with the message's result once the transaction holding it has committed, or with the error that kept it out. */
    public CompletionStage<JobIntake.Result> store(RequestMessage message) {
        Waiting entry = new Waiting(message, new CompletableFuture<>(), System.nanoTime());
        waiting.add(entry);
        if (writing.compareAndSet(false, true)) {
            try {
                Infrastructure.getDefaultWorkerPool().execute(this::writeWhileWaiting);
            } catch (RejectedExecutionException shuttingDown) { // no writer will come: nobody may wait for one
                writing.set(false);
                for (Waiting left; (left = waiting.poll()) != null;) {
                    left.stored().completeExceptionally(shuttingDown);
                }
            }
        }
        return entry.stored();
    }

    private void writeWhileWaiting() {
        do {
            try {
                for (List<Waiting> group = nextGroup(); !group.isEmpty(); group = nextGroup()) {
                    write(group);
                }
            } finally {
                writing.set(false);
            }
            // a message that arrived just as the writer stopped must not wait for the next one
        } while (!waiting.isEmpty() && writing.compareAndSet(false, true));
    }

    private List<Waiting> nextGroup() {
        List<Waiting> group = new ArrayList<>();
        waiting.drainTo(group, groupSize);
        if (group.isEmpty()) {
            return group;
        }
        long deadline = group.get(0).arrivedAt() + groupWaitNanos;
        try {
            for (long left = deadline - System.nanoTime(); group.size() < groupSize && left > 0;
                    left = deadline - System.nanoTime()) {
                Waiting next = waiting.poll(left, TimeUnit.NANOSECONDS);
                if (next == null) {
                    break;
                }
                group.add(next);
                waiting.drainTo(group, groupSize - group.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // store what has been taken
        }
        return group;
    }

    private void write(List<Waiting> group) {
        List<JobIntake.Result> results;
        try {
            results = intake.acceptAll(group.stream().map(Waiting::message).toList());
        } catch (RuntimeException groupFailed) {
            if (group.size() == 1 || outage.explains(groupFailed)) {
                group.forEach(entry -> entry.stored().completeExceptionally(groupFailed));
                return;
            }
            LOG.debugf("A group of %d requests was not stored (%s); storing each on its own", group.size(),
                    groupFailed.toString());
            group.forEach(entry -> write(List.of(entry)));
            return;
        }
        groupSizes.record(group.size());
        results.stream().collect(Collectors.groupingBy(JobIntake.Result::outcome, Collectors.counting()))
                .forEach((outcome, messages) -> metrics.requestsStored(WorkerMetrics.label(outcome), messages));
        for (int i = 0; i < group.size(); i++) {
            group.get(i).stored().complete(results.get(i));
        }
        announce((int) results.stream().filter(r -> r.outcome() == JobIntake.Outcome.ACCEPTED).count());
    }

    /** After the commit, with no transaction open: an observer's failure must not undo or fail intake. */
    private void announce(int accepted) {
        if (accepted == 0) {
            return;
        }
        try {
            queued.fire(new JobsQueued(accepted));
        } catch (RuntimeException e) {
            LOG.warnf("An observer of new jobs failed; they are taken at the next submission round: %s", e.toString());
        }
    }
}
