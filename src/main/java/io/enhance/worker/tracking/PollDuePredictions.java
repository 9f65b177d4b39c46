package io.enhance.worker.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.Arrivals;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.tracing.JobTraces;
import io.enhance.worker.wavespeed.PollOutcome;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Asks WaveSpeed for the result of every prediction whose next poll is due. Rounds claim due jobs
 * and send their polls without waiting; answers are written a batch at a time as they arrive, and
 * the stage wakes itself when the next poll falls due.
 */
@ApplicationScoped
public class PollDuePredictions {

    private static final Logger LOG = Logger.getLogger(PollDuePredictions.class);
    /** Polls under way at once; each ends within the request timeout, so slow answers cannot hold more. */
    static final int MAX_OUTSTANDING = 1000;

    private final JobClaims claims;
    private final WaveSpeedClient wavespeed;
    private final PredictionResults results;
    private final Rounds rounds;
    private final WorkerMetrics metrics;
    private final Wakeups wakeups;
    private final DatabaseClock clock;
    private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    private final Arrivals<Answer> answers;
    private final JobTraces traces;

    PollDuePredictions(JobClaims claims, WaveSpeedClient wavespeed, PredictionResults results,
            Rounds rounds, WorkerMetrics metrics, Wakeups wakeups, DatabaseClock clock, JobTraces traces) {
        this.traces = traces;
        this.wakeups = wakeups;
        this.answers = new Arrivals<>(rounds, wakeups, Stage.POLL);
        this.clock = clock;
        this.rounds = rounds;
        this.metrics = metrics;
        this.claims = claims;
        this.wavespeed = wavespeed;
        this.results = results;
    }

    void register(@Observes StartupEvent event) {
        wakeups.register(Stage.POLL, this::pollRound);
    }

    @Scheduled(every = "${pipeline.poll-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void pollDue() {
        wakeups.wake(Stage.POLL);
    }

    private void pollRound() {
        writeAnswers();
        if (!rounds.idle()) {
            rounds.repeatWhileFull(claims.claimSize(), () -> {
                writeAnswers(); // between claims too, so that a backlog of due polls never holds answers up
                return pollClaim();
            });
            // a poll already due but not sent waits for a free permit: an arriving answer wakes the stage
            claims.nextDue(JobStatus.TRACKED).map(due -> Duration.between(clock.now(), due))
                    .filter(untilNext -> untilNext.compareTo(Duration.ZERO) > 0)
                    .ifPresent(untilNext -> wakeups.wakeIn(Stage.POLL, untilNext));
        }
    }

    private int pollClaim() {
        int free = outstanding.drainPermits();
        List<JobClaims.Claimed> claimed = List.of();
        try {
            claimed = claims.claimWithDueTimes(JobStatus.TRACKED, free);
        } finally {
            outstanding.release(free - claimed.size());
        }
        Instant now = clock.now();
        for (JobClaims.Claimed due : claimed) {
            metrics.pollSent(Duration.between(due.wasDue(), now));
            Job job = due.job();
            Consumer<Answer> answered = answers.expect();
            Span span = traces.stage(JobTraces.POLL, SpanKind.CLIENT, job.traced());
            span.setAttribute("polls", (long) job.polls + 1);
            try (Scope call = span.makeCurrent()) { // so the REST client's own span of the GET joins the job's trace
                // deferred: whatever the call throws, an Error too, becomes its answer, so its permit is given back
                Uni.createFrom().deferred(() -> wavespeed.result(job.predictionId))
                        .onFailure().recoverWithItem(failure -> new PollOutcome.Unavailable(failure.toString()))
                        .subscribe().with(outcome -> {
                            outstanding.release();
                            try {
                                endPollSpan(span, outcome);
                            } finally {
                                answered.accept(new Answer(job, outcome));
                            }
                        });
            }
        }
        return claimed.size();
    }

    private static void endPollSpan(Span span, PollOutcome outcome) {
        if (outcome instanceof PollOutcome.Found found) {
            JobTraces.endWith(span, found.prediction().status());
        } else if (outcome instanceof PollOutcome.NotFound notFound) {
            JobTraces.endFailed(span, "not_found", notFound.message());
        } else if (outcome instanceof PollOutcome.Unavailable unavailable) {
            JobTraces.endFailed(span, "unavailable", unavailable.reason());
        } else {
            throw new IllegalStateException("unhandled poll outcome " + outcome);
        }
    }

    /** A poll's answer, waiting to be written (one not written is asked again once the job's lease runs out). */
    private record Answer(Job job, PollOutcome outcome) {
    }

    private void writeAnswers() {
        answers.writeArrived(arrived -> claims.updateAll(arrived.stream().map(Answer::job).toList(),
                (i, held) -> record(held, arrived.get(i).outcome())).failed());
    }

    private void record(Job held, PollOutcome answer) {
        held.polls++;
        if (answer instanceof PollOutcome.Found found) {
            results.apply(held, found.prediction());
        } else if (answer instanceof PollOutcome.NotFound notFound) {
            results.notFound(held, notFound.message());
        } else if (answer instanceof PollOutcome.Unavailable unavailable) {
            LOG.debugf("Poll of job %s failed, will retry: %s", held.jobId, unavailable.reason());
            metrics.retried(WorkerMetrics.Retry.POLL);
            results.unanswered(held, unavailable.reason());
        } else {
            throw new IllegalStateException("unhandled poll outcome " + answer);
        }
    }
}
