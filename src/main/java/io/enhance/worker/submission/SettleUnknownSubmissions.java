package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.config.WaveSpeedConfig.UnknownSubmissionPolicy;
import io.enhance.worker.jobs.DatabaseClock;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.submission.SubmissionEvidence.Verdict;
import io.enhance.worker.wavespeed.History;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Settles submit attempts whose outcome is unknown: those answered by a timeout, a dropped
 * connection or a 5xx, and those a stopped worker left in SUBMITTING. WaveSpeed's prediction history
 * around the attempt decides: its task is adopted if listed with the attempt's request (or, with an
 * exclusive API key, by elimination); only a complete listing without any unowned task allows a new
 * submission (or a failure, by policy). Anything less waits, for a tagged webhook to bind the task
 * (see {@code ApplyWebhookDeliveries}) or a clearer history, until the prediction deadline after the
 * attempt, and then fails the job rather than risk paying twice.
 */
@ApplicationScoped
public class SettleUnknownSubmissions {

    private static final Logger LOG = Logger.getLogger(SettleUnknownSubmissions.class);
    /** How long to wait while another job with the same request is mid-POST, whose task would look like ours. */
    private static final Duration SIBLING_WAIT = Duration.ofSeconds(5);

    private final JobClaims claims;
    private final JobOutcomes outcomes;
    private final WaveSpeedClient wavespeed;
    private final WaveSpeedConfig config;
    private final Rounds rounds;
    private final DatabaseClock clock;
    private final WorkerMetrics metrics;

    SettleUnknownSubmissions(JobClaims claims, JobOutcomes outcomes, WaveSpeedClient wavespeed, WaveSpeedConfig config,
            Rounds rounds, WorkerMetrics metrics, DatabaseClock clock) {
        this.clock = clock;
        this.rounds = rounds;
        this.metrics = metrics;
        this.claims = claims;
        this.outcomes = outcomes;
        this.wavespeed = wavespeed;
        this.config = config;
    }

    @Scheduled(every = "${pipeline.settle-interval:5s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void settleDue() {
        rounds.repeatWhileFull(claims.batchSize(), this::settleBatch);
    }

    private int settleBatch() {
        // a SUBMITTING job is due only once its lease ran out: its worker stopped mid-submission
        List<Job> jobs = claims.claim(EnumSet.of(JobStatus.SUBMITTING, JobStatus.SUBMISSION_UNKNOWN));
        jobs.forEach(this::settle);
        return jobs.size();
    }

    private void settle(Job job) {
        Instant now = clock.now();
        if (job.status == JobStatus.SUBMITTING) {
            claims.update(job.id, JobStatus.SUBMITTING, held -> {
                if (held.submittedRequest == null) {
                    held.submissionRefused(now, now, "the worker stopped before the request was sent");
                } else {
                    held.submissionUnknown(settleAt(held), now, "the worker stopped while submitting");
                }
            });
            return;
        }
        if (siblingMidSubmission(job)) {
            claims.update(job.id, JobStatus.SUBMISSION_UNKNOWN, held -> held.retryAt(now.plus(SIBLING_WAIT), now));
            return;
        }
        Verdict verdict = historyVerdict(job);
        claims.update(job.id, JobStatus.SUBMISSION_UNKNOWN, held -> apply(held, verdict, now));
    }

    /** What WaveSpeed's history says of the job's attempt; an unavailable history decides nothing. */
    private Verdict historyVerdict(Job job) {
        try {
            History history = wavespeed.history(historyStart(job), settleAt(job))
                    .await().atMost(config.requestTimeout().multipliedBy(2));
            boolean eliminationAllowed = config.exclusiveApiKey() && !otherUnsettledAttempt(job);
            return SubmissionEvidence.judge(job.submittedRequest, SubmissionEvidence.sourceFromS3(job.input), history,
                    ownedByJobs(history), eliminationAllowed);
        } catch (RuntimeException e) {
            LOG.warnf("Job %s: WaveSpeed's history is unavailable, settling its submission later: %s", job.jobId, e.toString());
            metrics.retried(WorkerMetrics.Retry.SETTLEMENT);
            // undecided like any unclear listing, so an outage of the history call too ends at the deadline
            return new Verdict.Undecided("WaveSpeed's history was unavailable (" + e.getMessage() + ")");
        }
    }

    private void apply(Job held, Verdict verdict, Instant now) {
        if (verdict instanceof Verdict.Created created) {
            LOG.infof("Job %s: its unanswered submission created prediction %s; following it", held.jobId,
                    created.predictionId());
            held.submitted(created.predictionId(), now, now, created.how());
        } else if (verdict instanceof Verdict.NotCreated) {
            if (config.unknownSubmissionPolicy() == UnknownSubmissionPolicy.RESUBMIT) {
                held.submissionRefused(now, now, "WaveSpeed's history shows no task for the attempt; submitting again");
            } else {
                outcomes.failBeforeAnyTask(held, "submission_not_created", "WaveSpeed's history shows no task for the attempt, "
                        + "and the policy for unanswered submissions is fail");
            }
        } else if (verdict instanceof Verdict.Undecided undecided) {
            Instant giveUpAt = held.attemptStartedAt.plus(config.predictionDeadline());
            if (now.isBefore(giveUpAt)) {
                // a tagged webhook may still bind the task, or the history become clear
                held.retryAt(min(now.plus(config.retryMaxDelay()), giveUpAt), now);
            } else {
                outcomes.fail(held, "submission_outcome_unknown", undecided.why() + ", still after "
                        + config.predictionDeadline() + "; not resubmitted, because a second submission could be paid twice");
            }
        } else {
            throw new IllegalStateException("unhandled verdict " + verdict);
        }
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /**
     * Another job with the same request whose POST is under way and whose task could be listed in this
     * attempt's window, where it would look like ours. Siblings that started after the window are no
     * concern, so a stream of identical requests cannot hold settlement back; the wait is bounded by
     * the lease of those that started before its end.
     */
    private boolean siblingMidSubmission(Job job) {
        Instant now = clock.now();
        return QuarkusTransaction.requiringNew().call(() -> Job.count(
                "requestFingerprint = ?1 and id <> ?2 and status = ?3 and dueAt > ?4 and attemptStartedAt <= ?5",
                job.requestFingerprint, job.id, JobStatus.SUBMITTING, now, settleAt(job)) > 0);
    }

    /**
     * Another attempt that could have left an unowned task in this attempt's window: unanswered, under
     * way, or given up on as unknown. While one exists, elimination cannot tell whose a task is.
     */
    private boolean otherUnsettledAttempt(Job job) {
        return QuarkusTransaction.requiringNew().call(() -> Job.count("""
                id <> ?1 and predictionId is null and submittedRequest is not null
                and attemptStartedAt between ?2 and ?3
                and (status in ?4 or (status = ?5 and errorCode = 'submission_outcome_unknown'))""",
                job.id, historyStart(job).minus(config.requestTimeout()), settleAt(job),
                EnumSet.of(JobStatus.SUBMITTING, JobStatus.SUBMISSION_UNKNOWN), JobStatus.FAILED) > 0);
    }

    private static Set<String> ownedByJobs(History history) {
        List<String> ids = history.entries().stream().map(History.Entry::id).toList();
        if (ids.isEmpty()) {
            return Set.of();
        }
        return QuarkusTransaction.requiringNew().call(() -> new HashSet<>(Job.getEntityManager()
                .createQuery("select j.predictionId from Job j where j.predictionId in :ids", String.class)
                .setParameter("ids", ids).getResultList()));
    }

    private Instant historyStart(Job job) {
        return job.attemptStartedAt.minus(config.historyMargin());
    }

    /** When the history can tell what the job's attempt did: the latest its task can be listed at. */
    Instant settleAt(Job job) {
        return job.attemptStartedAt.plus(config.requestTimeout()).plus(config.historyMargin());
    }
}
