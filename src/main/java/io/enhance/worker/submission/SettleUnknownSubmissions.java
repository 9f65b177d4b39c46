package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.config.WaveSpeedConfig.UnknownSubmissionPolicy;
import io.enhance.worker.jobs.BoundPrediction;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.SpendingCaps;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.LogEpisode;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.WorkerStopped;
import io.enhance.worker.submission.SettlementJudge.Verdict;
import io.enhance.worker.wavespeed.History;
import io.enhance.worker.wavespeed.Prediction;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Settles submit attempts whose outcome is unknown (timeout, dropped connection, 5xx, or a worker that
 * stopped mid-submit), from WaveSpeed's history as documented, without the request and without a
 * webhook. An attempt's task can only have been created inside its window: from the POST leaving to its
 * failure, moved onto WaveSpeed's clock by what answered submits showed of it ({@link UpstreamClock}).
 * Unsettled attempts whose windows overlap are judged together from one listing of their joint window,
 * every page, once no other attempt that could have created a task in it is still awaiting its answer.
 * {@link SettlementJudge} adopts a task by time and content, or proves absence; what stays undecided
 * fails as {@code submission_outcome_unknown} with its candidate tasks kept for an operator, once nothing
 * can change any more (or at the prediction deadline, while a tagged webhook may still bind the task).
 */
@ApplicationScoped
public class SettleUnknownSubmissions {

    private static final Logger LOG = Logger.getLogger(SettleUnknownSubmissions.class);
    /** How often a group is looked at again while something in it may still change. */
    private static final Duration LOOK_AGAIN = Duration.ofSeconds(2);
    /** Beyond the measured clock offset: the workers' own readings of the database clock differ by a little. */
    static final Duration CLOCK_SLACK = Duration.ofMillis(250);
    /** A history listing of many pages, each within the request timeout, ends within this many timeouts. */
    private static final int HISTORY_TIMEOUTS = 10;

    private final JobClaims claims;
    private final JobOutcomes outcomes;
    private final WaveSpeedClient wavespeed;
    private final WaveSpeedConfig config;
    private final Rounds rounds;
    private final DatabaseClock clock;
    private final UpstreamClock upstreamClock;
    private final SettlementEvidence evidence;
    private final SpendingCaps caps;
    private final WorkerMetrics metrics;
    private final JobStore store;
    private final LogEpisode historyUnavailable = new LogEpisode(LOG, "WaveSpeed's history is unavailable; "
            + "unanswered submits are settled later", Duration.ofMinutes(1));

    SettleUnknownSubmissions(JobClaims claims, JobOutcomes outcomes, WaveSpeedClient wavespeed, WaveSpeedConfig config,
            Rounds rounds, DatabaseClock clock, UpstreamClock upstreamClock, SettlementEvidence evidence, SpendingCaps caps,
            WorkerMetrics metrics, JobStore store) {
        this.store = store;
        this.claims = claims;
        this.outcomes = outcomes;
        this.wavespeed = wavespeed;
        this.config = config;
        this.rounds = rounds;
        this.clock = clock;
        this.upstreamClock = upstreamClock;
        this.evidence = evidence;
        this.caps = caps;
        this.metrics = metrics;
    }

    /** Settles the submits whose outcome can now be known; run by {@code maintenance.Sweeps}. */
    public void settleDue() {
        rounds.repeatWhileFull(claims.claimSize(), this::takeOnAbandonedSubmissions);
        rounds.repeatWhileFull(claims.claimSize(), this::settleRound);
        historyUnavailable.check();
    }

    /**
     * The submits of a worker found stopped: it sends nothing any more, so a task of one of its attempts was
     * created before now if at all, and the attempt is settled as soon as that can be listed.
     */
    void workerStopped(@Observes WorkerStopped stopped) {
        Instant now = clock.now();
        claims.updateLeasedTo(stopped.worker(), JobStatus.SUBMITTING, held -> abandoned(held, now, now));
    }

    /**
     * SUBMITTING jobs whose lease ran out, or was handed back at a shutdown: their worker may still be
     * sending, so a task can have been created until the request timeout after the attempt.
     */
    private int takeOnAbandonedSubmissions() {
        List<Job> abandoned = claims.claim(JobStatus.SUBMITTING);
        Instant now = clock.now();
        claims.updateAll(abandoned, (i, held) -> abandoned(held, held.attemptStartedAt.plus(config.requestTimeout()), now));
        return abandoned.size();
    }

    /** A submit nobody follows: queued again if its request never left, else unknown, its task created by {@code endedBy}. */
    private void abandoned(Job held, Instant endedBy, Instant now) {
        if (held.submittedRequest == null) {
            held.submissionRefused(now, now, "the worker stopped before the request was sent");
        } else {
            Instant ended = min(held.attemptStartedAt.plus(config.requestTimeout()), endedBy);
            held.submissionUnknown(ended, settleAt(ended), now, "the worker stopped while submitting");
        }
    }

    /** When an attempt whose task was created by {@code endedAt} if at all can be looked for in the history. */
    Instant settleAt(Instant endedAt) {
        return endedAt.plus(config.historyLag());
    }

    private int settleRound() {
        List<Job> claimed = claims.claim(JobStatus.SUBMISSION_UNKNOWN);
        if (claimed.isEmpty()) {
            return 0;
        }
        Instant now = clock.now();
        Optional<UpstreamClock.Offset> offset = upstreamClock.offset(now);
        Map<Long, Job> unsettled = unsettledAround(claimed);
        claimed.forEach(job -> unsettled.put(job.id, job));
        Set<Long> claimedIds = claimed.stream().map(job -> job.id).collect(Collectors.toSet());
        for (List<Job> group : groups(unsettled.values(), offset)) {
            List<Job> mine = group.stream().filter(job -> claimedIds.contains(job.id)).toList();
            if (!mine.isEmpty()) {
                settleGroup(group, mine, offset, now);
            }
        }
        return claimed.size();
    }

    private void settleGroup(List<Job> group, List<Job> mine, Optional<UpstreamClock.Offset> offset, Instant now) {
        Instant endedLast = group.stream().map(this::endedAt).max(Comparator.naturalOrder()).orElseThrow();
        Instant startedFirst = group.stream().map(job -> job.attemptStartedAt).min(Comparator.naturalOrder()).orElseThrow();
        Instant listable = settleAt(endedLast.plus(latest(offset)));
        if (now.isBefore(listable)) {
            lookAgain(mine, listable, now); // the joint window closes later: a task in it may not be listed yet
            return;
        }
        if (offset.isEmpty() && now.isBefore(endedLast.plus(config.historyMargin()))) {
            // no answered submit has shown WaveSpeed's clock yet: wait for one rather than search a wide window
            lookAgain(mine, now.plus(LOOK_AGAIN), now);
            return;
        }
        if (submitsUnderWaySince(startedFirst, endedLast.plus(latest(offset)))) {
            lookAgain(mine, now.plus(LOOK_AGAIN), now); // its task, if listed, would look unowned: wait for its answer
            return;
        }
        List<SettlementJudge.Attempt> windows = group.stream().map(job -> attempt(job, offset, Optional.empty())).toList();
        Instant from = windows.stream().map(SettlementJudge.Attempt::from).min(Comparator.naturalOrder()).orElseThrow();
        Instant to = windows.stream().map(SettlementJudge.Attempt::to).max(Comparator.naturalOrder()).orElseThrow();
        History history;
        try {
            history = wavespeed.history(from, to).await().atMost(config.requestTimeout().multipliedBy(HISTORY_TIMEOUTS));
        } catch (RuntimeException e) {
            historyUnavailable.happened(e.toString());
            metrics.retried(WorkerMetrics.Retry.SETTLEMENT);
            Verdict.Undecided unavailable = new Verdict.Undecided("WaveSpeed's history was unavailable (" + e.getMessage()
                    + ")", List.of(), true);
            for (Job job : mine) {
                if (givesUp(job, unavailable, now)) {
                    settle(job, unavailable, SettlementEvidence.Listed.NOTHING, now);
                } else {
                    lookAgain(List.of(job), now.plus(config.retryMaxDelay()), now);
                }
            }
            return;
        }
        if (!history.complete()) {
            mine.forEach(job -> settle(job, new Verdict.Undecided("WaveSpeed's history for its time is too long to "
                    + "search to the end", List.of(), false), SettlementEvidence.Listed.NOTHING, now));
            return;
        }
        Set<String> owned = QuarkusTransaction.requiringNew()
                .call(() -> BoundPrediction.amongst(history.entries().stream().map(Prediction::id).toList()));
        Map<String, Prediction> unowned = history.entries().stream()
                .filter(task -> task.createdAt() != null && !owned.contains(task.id())
                        && windows.stream().anyMatch(window -> window.holds(task.createdAt())))
                .collect(Collectors.toMap(Prediction::id, task -> task, (a, b) -> a));
        Map<String, SettlementJudge.Task> tasks = unowned.values().stream()
                .collect(Collectors.toMap(Prediction::id, evidence::task));
        // only attempts that could own one of them need their source's look
        List<SettlementJudge.Attempt> attempts = group.stream().map(job -> {
            SettlementJudge.Attempt window = attempt(job, offset, Optional.empty());
            return tasks.values().stream().anyMatch(window::holds) ? attempt(job, offset, evidence.sourceLook(job)) : window;
        }).toList();
        Map<Long, Verdict> verdicts = SettlementJudge.judge(attempts, List.copyOf(tasks.values()), config.exclusiveApiKey());
        for (Job job : mine) {
            settle(job, verdicts.get(job.id), new SettlementEvidence.Listed(unowned, tasks), now);
        }
    }

    private void settle(Job job, Verdict verdict, SettlementEvidence.Listed listed, Instant now) {
        if (verdict instanceof Verdict.Undecided undecided && givesUp(job, undecided, now)) {
            List<SubmissionCandidate> candidates = evidence.keep(job, undecided.candidates(), listed);
            claims.update(job.id, JobStatus.SUBMISSION_UNKNOWN, held -> giveUp(held, undecided, candidates));
            return;
        }
        claims.update(job.id, JobStatus.SUBMISSION_UNKNOWN, held -> apply(held, verdict, now));
    }

    private void apply(Job held, Verdict verdict, Instant now) {
        if (verdict instanceof Verdict.Adopted adopted) {
            LOG.infof("Job %s: its unanswered submission created prediction %s; following it", held.jobId,
                    adopted.predictionId());
            held.submitted(adopted.predictionId(), caps.price(), now, now, adopted.how());
        } else if (verdict instanceof Verdict.NotCreated) {
            if (config.unknownSubmissionPolicy() == UnknownSubmissionPolicy.RESUBMIT) {
                held.submissionRefused(now, now, "WaveSpeed's history shows no task for the attempt; submitting again");
            } else {
                outcomes.failBeforeAnyTask(held, "submission_not_created", "WaveSpeed's history shows no task for the attempt, "
                        + "and the policy for unanswered submissions is fail");
            }
        } else if (verdict instanceof Verdict.Undecided) {
            // a tagged webhook may still bind the task, or what runs show its content
            held.retryAt(min(now.plus(lookAgainIn(held)), held.attemptStartedAt.plus(config.predictionDeadline())), now);
        } else {
            throw new IllegalStateException("unhandled verdict " + verdict);
        }
    }

    /**
     * Undecided for good: at the deadline, or before it when nothing can change any more (every candidate
     * finished and read, and no webhook is coming).
     */
    private boolean givesUp(Job job, Verdict.Undecided undecided, Instant now) {
        boolean pastDeadline = !now.isBefore(job.attemptStartedAt.plus(config.predictionDeadline()));
        return pastDeadline || !undecided.mayChange() && !job.webhookTracked;
    }

    private Duration lookAgainIn(Job job) {
        return job.webhookTracked ? config.retryMaxDelay() : LOOK_AGAIN;
    }

    private void giveUp(Job held, Verdict.Undecided undecided, List<SubmissionCandidate> candidates) {
        SubmissionCandidate.delete("job", held.id);
        candidates.forEach(candidate -> candidate.persist());
        outcomes.fail(held, UndecidedSubmissions.UNDECIDED, undecided.why() + "; not resubmitted, because a second "
                + "submission could be paid twice" + (candidates.isEmpty() ? ""
                        : ". Its " + candidates.size() + " candidate task(s) are kept: an operator may assign one "
                                + "(dashboard, or POST /api/jobs/{id}/assign) without paying again"));
    }

    /** How far after an attempt's end, on the database clock, its window reaches on WaveSpeed's. */
    private Duration latest(Optional<UpstreamClock.Offset> offset) {
        return offset.map(UpstreamClock.Offset::atMost).orElse(config.historyMargin()).plus(CLOCK_SLACK);
    }

    /** The attempt of {@code job} as the judge sees it: its window moved onto WaveSpeed's clock. */
    private SettlementJudge.Attempt attempt(Job job, Optional<UpstreamClock.Offset> offset, Optional<float[]> sourceLook) {
        Duration earliest = offset.map(UpstreamClock.Offset::atLeast).orElse(config.historyMargin().negated()).minus(CLOCK_SLACK);
        Duration latest = latest(offset);
        // intake stores every parameter with its default; a row without strength is never compared by content
        double strength = job.input.get("strength") instanceof Number number ? number.doubleValue() : 1.0;
        return new SettlementJudge.Attempt(job.id, job.attemptStartedAt.plus(earliest), endedAt(job).plus(latest),
                job.requestFingerprint, strength, sourceLook);
    }

    /** An attempt's task was created by this time if at all; attempts recorded before it was kept end at the request timeout. */
    private Instant endedAt(Job job) {
        return job.attemptEndedAt != null ? job.attemptEndedAt : job.attemptStartedAt.plus(config.requestTimeout());
    }

    /**
     * Unsettled attempts of other jobs that may share a window with {@code claimed}: judged with them, so
     * that two workers settling neighbours decide alike, but left to whoever holds them.
     */
    private Map<Long, Job> unsettledAround(List<Job> claimed) {
        Instant from = claimed.stream().map(job -> job.attemptStartedAt).min(Comparator.naturalOrder()).orElseThrow()
                .minus(config.requestTimeout()).minus(config.historyMargin().multipliedBy(2));
        Instant to = claimed.stream().map(this::endedAt).max(Comparator.naturalOrder()).orElseThrow()
                .plus(config.historyMargin().multipliedBy(2));
        List<Job> around = QuarkusTransaction.requiringNew().call(() -> store.unsettledBetween(from, to));
        Map<Long, Job> byId = new HashMap<>();
        around.forEach(job -> byId.put(job.id, job));
        return byId;
    }

    /** Attempts whose windows overlap, joined into groups (by the windows' order, so a chain joins too). */
    private List<List<Job>> groups(Collection<Job> jobs, Optional<UpstreamClock.Offset> offset) {
        List<Job> byStart = jobs.stream().sorted(Comparator.comparing((Job job) -> job.attemptStartedAt)).toList();
        List<List<Job>> groups = new ArrayList<>();
        Instant groupEnd = null;
        for (Job job : byStart) {
            SettlementJudge.Attempt window = attempt(job, offset, Optional.empty());
            if (groupEnd == null || window.from().isAfter(groupEnd)) {
                groups.add(new ArrayList<>());
                groupEnd = window.to();
            } else if (window.to().isAfter(groupEnd)) {
                groupEnd = window.to();
            }
            groups.get(groups.size() - 1).add(job);
        }
        return groups;
    }

    /**
     * Whether another attempt that could have created a task in this group's window (which closes at
     * {@code windowEnd} on the database clock) still awaits its answer: listed before its answer is written,
     * its task would look unowned. Each such wait ends with the answer, within the request timeout, or when
     * its worker is found stopped; attempts recorded after the window closed do not count.
     */
    private boolean submitsUnderWaySince(Instant startedFirst, Instant windowEnd) {
        Instant from = startedFirst.minus(config.requestTimeout());
        return QuarkusTransaction.requiringNew().call(() -> store.anySentBetween(from, windowEnd));
    }

    private void lookAgain(List<Job> mine, Instant at, Instant now) {
        mine.forEach(job -> claims.update(job.id, JobStatus.SUBMISSION_UNKNOWN, held -> held.retryAt(at, now)));
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
