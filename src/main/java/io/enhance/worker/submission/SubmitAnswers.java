package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.SpendingCaps;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.Arrivals;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.LogEpisode;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.wavespeed.SubmitOutcome;

/**
 * The answers of submit POSTs, written onto the attempts they answer as they arrive, whoever holds the job
 * by then: a task created is followed, nothing created queues the job again after a backoff, an unanswered
 * POST waits for settlement. An answer the database cannot take is kept and written again, since it is the
 * only proof of which task an attempt made.
 */
@ApplicationScoped
class SubmitAnswers {

    private static final Logger LOG = Logger.getLogger(SubmitAnswers.class);
    /** A kind of trouble that has not come back for this long has ended: its count is logged. */
    private static final Duration EPISODE_QUIET = Duration.ofSeconds(30);

    private final Arrivals<Answer> answers;
    private final JobClaims claims;
    private final JobOutcomes outcomes;
    private final WaveSpeedConfig config;
    private final PollSchedule polls;
    private final Event<ResultAtSubmission> resultsAtSubmission;
    private final AccountStatus account;
    private final SettleUnknownSubmissions settlement;
    private final WorkerMetrics metrics;
    private final DatabaseClock clock;
    private final Event<JobsSubmitted> submitted;
    private final AdaptiveConcurrency concurrency;
    private final RecentSubmits recent;
    private final UpstreamClock upstreamClock;
    private final SpendingCaps caps;
    private final SubmissionRate rate;
    private final JobStore store;
    private final LogEpisode rateLimited = new LogEpisode(LOG, "WaveSpeed answers submits with 429; they are tried "
            + "again after a backoff", EPISODE_QUIET);
    private final LogEpisode notSubmitted = new LogEpisode(LOG, "WaveSpeed could not take submits (nothing created); "
            + "they are tried again after a backoff", EPISODE_QUIET);
    private final LogEpisode unanswered = new LogEpisode(LOG, "Submits went unanswered (a task may exist); "
            + "WaveSpeed's history settles each", EPISODE_QUIET);

    SubmitAnswers(Rounds rounds, JobClaims claims, JobOutcomes outcomes, WaveSpeedConfig config, PollSchedule polls,
            Event<ResultAtSubmission> resultsAtSubmission,
            AccountStatus account, SettleUnknownSubmissions settlement, WorkerMetrics metrics, DatabaseClock clock,
            Wakeups wakeups, AdaptiveConcurrency concurrency, RecentSubmits recent, UpstreamClock upstreamClock,
            SpendingCaps caps, SubmissionRate rate, Event<JobsSubmitted> submitted, JobStore store) {
        this.store = store;
        this.answers = new Arrivals<>(rounds, wakeups, Stage.SUBMIT);
        this.claims = claims;
        this.outcomes = outcomes;
        this.config = config;
        this.polls = polls;
        this.resultsAtSubmission = resultsAtSubmission;
        this.account = account;
        this.settlement = settlement;
        this.metrics = metrics;
        this.clock = clock;
        this.submitted = submitted;
        this.concurrency = concurrency;
        this.recent = recent;
        this.upstreamClock = upstreamClock;
        this.caps = caps;
        this.rate = rate;
    }

    /**
     * A submit POST's answer to attempt {@code attempt}, waiting to be written; {@code arrivedAt} on the
     * database clock, as the end of the time in which an unanswered attempt can have created its task.
     */
    record Answer(Job job, int attempt, SubmitOutcome outcome, Instant arrivedAt) {
    }

    /** Counts a POST as under way until its answer is written; the answer goes to the consumer returned. */
    Consumer<Answer> expect() {
        return answers.expect();
    }

    /**
     * Writes the answers that have arrived onto the attempts they answer, whoever holds the job now; those
     * the database cannot take stay queued and are written again (the only proof of which task was made).
     */
    void writeArrived() {
        answers.writeArrived(arrived -> {
            Instant[] firstPoll = { null };
            Instant now = clock.now();
            JobClaims.WriteBack written = claims.updateAttempts(
                    arrived.stream().map(answer -> new JobClaims.AttemptAnswer(answer.job().id, answer.attempt())).toList(),
                    (i, held) -> {
                        record(held, arrived.get(i), now);
                        if (JobStatus.TRACKED.contains(held.status) && (firstPoll[0] == null || held.dueAt.isBefore(firstPoll[0]))) {
                            firstPoll[0] = held.dueAt;
                        }
                    });
            written.written().forEach(i -> counted(arrived.get(i)));
            if (firstPoll[0] != null) {
                submitted.fire(new JobsSubmitted(Duration.between(clock.now(), firstPoll[0])));
            }
            rateLimited.check();
            return written.failed();
        });
    }

    /** Metrics and clocks learn from an answer once it is written. */
    private void counted(Answer answer) {
        SubmitOutcome outcome = answer.outcome();
        metrics.submitted(resultOf(outcome));
        boolean wasRateLimited = outcome instanceof SubmitOutcome.NotCreated notCreated && notCreated.rateLimited();
        recent.answered(wasRateLimited);
        if (wasRateLimited) {
            metrics.rateLimited();
        }
        if (outcome instanceof SubmitOutcome.Accepted accepted) {
            concurrency.onAccepted();
            upstreamClock.answered(answer.job().attemptStartedAt, answer.arrivedAt(), accepted.prediction().createdAt());
        }
    }

    private void record(Job held, Answer answer, Instant now) {
        if (answer.outcome() instanceof SubmitOutcome.Accepted accepted) {
            if (!JobStatus.IN_FLIGHT_UNANSWERED.contains(held.status)) {
                LOG.warnf("Job %s: attempt %d was answered after it had been taken for one that created nothing; "
                        + "following its prediction %s", held.jobId, answer.attempt(), accepted.prediction().id());
            }
            if (held.submittedAt == null) {
                metrics.firstSubmission(Duration.between(held.createdAt, now));
            }
            rate.started(answer.job().attemptStartedAt, answer.arrivedAt());
            held.submitted(accepted.prediction().id(), caps.price(), now.plus(polls.firstPollDelay(held)), now, "created");
            // sync mode may answer with a finished prediction
            if (accepted.prediction().completed() || accepted.prediction().failed()) {
                resultsAtSubmission.fire(new ResultAtSubmission(held, accepted.prediction()));
            }
        } else if (JobStatus.IN_FLIGHT_UNANSWERED.contains(held.status)) {
            // only an answer that created a task changes a job settlement has already put back in the queue
            record(held, answer.outcome(), answer.job().attemptStartedAt, answer.arrivedAt(), now);
        }
    }

    /** Records what an attempt did that the worker knows without a POST (its source could not be prepared). */
    void record(Job held, SubmitOutcome outcome, Instant now) {
        record(held, outcome, held.attemptStartedAt, now, now);
    }

    /** {@code claimedAt}: when the attempt was claimed, where the submission rate counted it. */
    private void record(Job held, SubmitOutcome outcome, Instant claimedAt, Instant arrivedAt, Instant now) {
        countInRate(outcome, claimedAt, arrivedAt, now);
        if (outcome instanceof SubmitOutcome.NotCreated notCreated
                && now.isAfter(store.firstAttemptSinceRelease(held).orElse(now).plus(config.submissionDeadline()))) {
            outcomes.failBeforeAnyTask(held, "submission_not_created", "no task created in " + config.submissionDeadline()
                    + " of attempts; the last: " + notCreated.reason());
        } else if (outcome instanceof SubmitOutcome.NotCreated notCreated) {
            (notCreated.rateLimited() ? rateLimited : notSubmitted).happened(notCreated.reason());
            LOG.debugf("Job %s not submitted, will retry: %s", held.jobId, notCreated.reason());
            metrics.retried(WorkerMetrics.Retry.SUBMIT);
            Duration delay = retryDelay(held.attempts);
            Duration wait = notCreated.retryAfter().filter(after -> after.compareTo(delay) > 0).orElse(delay);
            held.submissionRefused(now.plus(wait), now, notCreated.reason());
        } else if (outcome instanceof SubmitOutcome.AccountRefused refused) {
            account.refused(refused.reason());
            held.accountPaused(now, refused.reason());
        } else if (outcome instanceof SubmitOutcome.Refused refused) {
            outcomes.failBeforeAnyTask(held, "submission_refused", "WaveSpeed refused this request: " + refused.reason());
        } else if (outcome instanceof SubmitOutcome.Invalid invalid) {
            outcomes.failBeforeAnyTask(held, "invalid_parameters", "WaveSpeed refused the parameters: " + invalid.message());
        } else if (outcome instanceof SubmitOutcome.Unknown unknown) {
            unanswered.happened(unknown.reason());
            LOG.debugf("Job %s: submission outcome unknown, WaveSpeed's history will settle it: %s", held.jobId, unknown.reason());
            held.submissionUnknown(arrivedAt, settlement.settleAt(arrivedAt), now, unknown.reason());
        } else if (!(outcome instanceof SubmitOutcome.Accepted)) {
            throw new IllegalStateException("unhandled submit outcome " + outcome);
        }
    }

    /** A POST that may have started a task counts from its answer; one that provably started none leaves the window. */
    private void countInRate(SubmitOutcome outcome, Instant claimedAt, Instant arrivedAt, Instant now) {
        if (outcome instanceof SubmitOutcome.NotCreated notCreated && notCreated.rateLimited()) {
            rate.rateLimited(claimedAt, notCreated.retryAfter(), now);
        } else if (outcome instanceof SubmitOutcome.Unknown) {
            rate.started(claimedAt, arrivedAt);
        } else {
            rate.notStarted(claimedAt, now);
        }
    }

    private static WorkerMetrics.SubmitResult resultOf(SubmitOutcome outcome) {
        if (outcome instanceof SubmitOutcome.Accepted) {
            return WorkerMetrics.SubmitResult.CREATED;
        }
        if (outcome instanceof SubmitOutcome.NotCreated) {
            return WorkerMetrics.SubmitResult.NOT_CREATED;
        }
        if (outcome instanceof SubmitOutcome.Invalid) {
            return WorkerMetrics.SubmitResult.INVALID;
        }
        if (outcome instanceof SubmitOutcome.Refused) {
            return WorkerMetrics.SubmitResult.REFUSED;
        }
        return outcome instanceof SubmitOutcome.AccountRefused ? WorkerMetrics.SubmitResult.ACCOUNT_REFUSED
                : WorkerMetrics.SubmitResult.UNKNOWN;
    }

    /** Exponential backoff with full jitter: anywhere between zero and base x 2^(attempts-1), capped. */
    private Duration retryDelay(int attempts) {
        long cap = Math.min(config.retryMaxDelay().toMillis(),
                config.retryBaseDelay().toMillis() << Math.min(Math.max(attempts - 1, 0), 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap + 1));
    }
}
