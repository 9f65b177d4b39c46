package io.enhance.worker.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.LogEpisode;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.wavespeed.DeleteOutcome;
import io.enhance.worker.wavespeed.PollOutcome;
import io.enhance.worker.wavespeed.Prediction;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * The cancel stage: deletes the running tasks of CANCELLING jobs at WaveSpeed, up to
 * {@code WAVESPEED_CANCEL_BATCH_SIZE} per call and no more often than {@code WAVESPEED_CANCEL_INTERVAL}. Each
 * round asks every claimed task's state first, so that a task that has finished is delivered and never deleted;
 * deletes those still {@code created} or {@code processing} in one call; then asks again, since a processing
 * task "may not stop generation immediately": a task gone or ended without outputs ends its job CANCELLED
 * ({@code upstream_cancelled} when the worker's delete stopped it), one that finished while its delete was in
 * flight is delivered, one still running is asked again later. A delete that fails is retried, at most
 * {@link #MOST_DELETE_ATTEMPTS} times; after that the task is followed to its end like any other, so nothing
 * paid for is thrown away. Every call has the request timeout as its deadline.
 */
@ApplicationScoped
public class DeleteCancelledTasks {

    private static final Logger LOG = Logger.getLogger(DeleteCancelledTasks.class);
    /** Delete calls tried for one task before it is only followed to its end. */
    static final int MOST_DELETE_ATTEMPTS = 5;
    /** The longest wait before a task is asked again or its delete retried. */
    private static final Duration MOST_RETRY_DELAY = Duration.ofMinutes(1);

    private final LogEpisode notDeleted = new LogEpisode(LOG, "Deletes of cancelled jobs' tasks WaveSpeed did not take;"
            + " they are retried", Duration.ofMinutes(1));
    private final JobClaims claims;
    private final WaveSpeedClient wavespeed;
    private final PredictionResults results;
    private final JobOutcomes outcomes;
    private final Wakeups wakeups;
    private final Rounds rounds;
    private final DatabaseClock clock;
    private final WaveSpeedConfig config;
    private final CancelPace pace;

    DeleteCancelledTasks(JobClaims claims, WaveSpeedClient wavespeed, PredictionResults results, JobOutcomes outcomes,
            Wakeups wakeups, Rounds rounds, DatabaseClock clock, WaveSpeedConfig config) {
        this.claims = claims;
        this.wavespeed = wavespeed;
        this.results = results;
        this.outcomes = outcomes;
        this.wakeups = wakeups;
        this.rounds = rounds;
        this.clock = clock;
        this.config = config;
        this.pace = new CancelPace(config.cancelInterval());
    }

    void register(@Observes StartupEvent event) {
        wakeups.register(Stage.CANCEL, this::cancelRounds);
    }

    /** The sweep, at the poll stage's interval: jobs another worker moved to CANCELLING, and those due again. */
    @Scheduled(every = "${pipeline.poll-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void cancelDue() {
        wakeups.wake(Stage.CANCEL);
    }

    private void cancelRounds() {
        rounds.repeatWhileFull(config.cancelBatchSize(), this::cancelRound);
        claims.nextDue(Set.of(JobStatus.CANCELLING)).map(due -> Duration.between(clock.now(), due))
                .filter(untilNext -> untilNext.compareTo(Duration.ZERO) > 0)
                .ifPresent(untilNext -> wakeups.wakeIn(Stage.CANCEL, untilNext));
    }

    /**
     * One paced round: up to a batch of due CANCELLING jobs; returns how many it claimed. A round starts an
     * interval after the previous one started and after the previous delete left, so deletes are that far apart.
     */
    private int cancelRound() {
        long now = System.nanoTime();
        Duration wait = pace.untilAllowed(now);
        if (!wait.isZero()) {
            wakeups.wakeIn(Stage.CANCEL, wait);
            return 0;
        }
        List<Job> claimed = claims.claim(JobStatus.CANCELLING, config.cancelBatchSize());
        if (claimed.isEmpty()) {
            return 0;
        }
        pace.called(now);
        List<PollOutcome> before = states(claimed);
        List<String> toDelete = new ArrayList<>();
        for (int i = 0; i < claimed.size(); i++) {
            if (stillToDelete(claimed.get(i), before.get(i))) {
                toDelete.add(claimed.get(i).predictionId);
            }
        }
        if (!toDelete.isEmpty()) {
            pace.called(System.nanoTime()); // the next round, and so its delete, comes an interval after this delete
        }
        DeleteOutcome deleted = toDelete.isEmpty() ? null : await(wavespeed.delete(toDelete));
        if (deleted instanceof DeleteOutcome.NotDeleted refused) {
            notDeleted.happened(toDelete.size() + " task(s): " + refused.reason());
        }
        Set<String> deletedNow = deleted instanceof DeleteOutcome.Deleted ? new HashSet<>(toDelete) : Set.of();
        Set<String> failedNow = deleted instanceof DeleteOutcome.NotDeleted ? new HashSet<>(toDelete) : Set.of();
        // after a delete, each deleted task's final state is confirmed before its job ends
        List<PollOutcome> after = deletedNow.isEmpty() ? before : states(claimed, deletedNow, before);
        claims.updateAll(claimed, (i, held) -> settle(held, after.get(i), deletedNow.contains(held.predictionId),
                failedNow.contains(held.predictionId)));
        LOG.debugf("Cancel round: %d job(s), %d task(s) deleted", claimed.size(), deletedNow.size());
        return claimed.size();
    }

    /** A task still running, not yet deleted by the worker, and whose deletes have not all failed. */
    private static boolean stillToDelete(Job job, PollOutcome state) {
        return state instanceof PollOutcome.Found found && !found.prediction().completed() && !found.prediction().failed()
                && !job.upstreamCancelled && job.upstreamDeletes < MOST_DELETE_ATTEMPTS;
    }

    private void settle(Job job, PollOutcome state, boolean deletedNow, boolean deleteFailed) {
        Instant now = clock.now();
        if (deletedNow) {
            job.upstreamCancelled = true;
        }
        if (deleteFailed) {
            job.upstreamDeletes++;
        }
        String task = "prediction " + job.predictionId;
        if (state instanceof PollOutcome.Found found) {
            Prediction prediction = found.prediction();
            if (results.deliverIfFinished(job, prediction)) {
                return; // finished before its delete arrived: paid for, so delivered
            }
            if (prediction.completed() || prediction.failed()) {
                outcomes.cancelUpstream(job, job.upstreamCancelled, job.upstreamCancelled
                        ? task + " deleted at WaveSpeed; it ended " + prediction.status() + " without outputs"
                        : task + " ended " + prediction.status() + " without outputs while being cancelled");
                return;
            }
            askAgainOrEnd(job, task + " still " + prediction.status(), now);
        } else if (state instanceof PollOutcome.NotFound) {
            outcomes.cancelUpstream(job, job.upstreamCancelled, job.upstreamCancelled
                    ? task + " deleted at WaveSpeed before it finished" : "WaveSpeed no longer knows " + task);
        } else if (state instanceof PollOutcome.Unavailable unavailable) {
            askAgainOrEnd(job, "no answer about " + task + " (" + unavailable.reason() + ")", now);
        } else {
            throw new IllegalStateException("unhandled poll outcome " + state);
        }
    }

    /** Asked again later, unless the prediction deadline has passed: then the job ends, whatever its task does. */
    private void askAgainOrEnd(Job job, String seen, Instant now) {
        if (job.submittedAt != null && now.isAfter(job.submittedAt.plus(config.predictionDeadline()))) {
            outcomes.cancelUpstream(job, job.upstreamCancelled, seen + " at the prediction deadline ("
                    + config.predictionDeadline() + ")" + (job.upstreamCancelled ? "" : "; its delete failed "
                    + job.upstreamDeletes + " time(s), so it may run to the end at WaveSpeed"));
            return;
        }
        job.retryAt(now.plus(retryDelay(job)), now);
    }

    /** 1 s, doubling with each failed delete, up to a minute. */
    static Duration retryDelay(Job job) {
        Duration delay = Duration.ofSeconds(1L << Math.min(job.upstreamDeletes, 6));
        return delay.compareTo(MOST_RETRY_DELAY) > 0 ? MOST_RETRY_DELAY : delay;
    }

    private List<PollOutcome> states(List<Job> jobs) {
        return await(Uni.join().all(jobs.stream().map(job -> wavespeed.result(job.predictionId)).toList()).andFailFast());
    }

    /** The state of each job's task, asked again for those in {@code askAgain}, as {@code known} for the others. */
    private List<PollOutcome> states(List<Job> jobs, Set<String> askAgain, List<PollOutcome> known) {
        List<Uni<PollOutcome>> asked = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            Job job = jobs.get(i);
            asked.add(askAgain.contains(job.predictionId) ? wavespeed.result(job.predictionId)
                    : Uni.createFrom().item(known.get(i)));
        }
        return await(Uni.join().all(asked).andFailFast());
    }

    /** Each call ends within the request timeout by itself; this bounds the wait for all of them too. */
    private <T> T await(Uni<T> calls) {
        return calls.await().atMost(config.requestTimeout().plusSeconds(5));
    }
}
