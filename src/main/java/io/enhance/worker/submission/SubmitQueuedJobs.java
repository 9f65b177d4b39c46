package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.intake.JobsQueued;
import io.enhance.worker.jobs.DatabaseClock;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.Arrivals;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.tracing.JobTraces;
import io.enhance.worker.tracking.PredictionResults;
import io.enhance.worker.tracking.WebhookTags;
import io.enhance.worker.wavespeed.SubmitOutcome;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Submits queued jobs to WaveSpeed, no more than the adaptive in-flight cap and the tier's rate allow.
 * The attempt, with the exact request, is committed before the POST leaves; what the POST did decides
 * the job's next state.
 */
@ApplicationScoped
public class SubmitQueuedJobs {

    private static final Logger LOG = Logger.getLogger(SubmitQueuedJobs.class);
    private static final String WEBHOOK_PATH = "/webhooks/wavespeed";

    private final JobClaims claims;
    private final JobOutcomes outcomes;
    private final WaveSpeedClient wavespeed;
    private final WaveSpeedConfig config;
    private final SourceUrls sources;
    private final PredictionResults results;
    private final AccountStatus account;
    private final SettleUnknownSubmissions settlement;
    private final Rounds rounds;
    private final WorkerMetrics metrics;
    private final WebhookTags tags;
    private final DatabaseClock clock;
    private final Wakeups wakeups;
    private final Arrivals<Answer> answers;
    private final AdaptiveConcurrency concurrency;
    private final SubmissionRate rate;
    private final RecentSubmits recent;
    private final JobTraces traces;
    private Instant lastProbe;

    SubmitQueuedJobs(JobClaims claims, JobOutcomes outcomes, WaveSpeedClient wavespeed, WaveSpeedConfig config,
            SourceUrls sources, PredictionResults results, AccountStatus account, SettleUnknownSubmissions settlement,
            Rounds rounds, WorkerMetrics metrics, WebhookTags tags, DatabaseClock clock, Wakeups wakeups,
            AdaptiveConcurrency concurrency, SubmissionRate rate, RecentSubmits recent, JobTraces traces) {
        this.traces = traces;
        this.wakeups = wakeups;
        this.recent = recent;
        this.answers = new Arrivals<>(rounds, wakeups, Stage.SUBMIT);
        this.concurrency = concurrency;
        this.rate = rate;
        this.clock = clock;
        this.tags = tags;
        this.rounds = rounds;
        this.metrics = metrics;
        this.claims = claims;
        this.outcomes = outcomes;
        this.wavespeed = wavespeed;
        this.config = config;
        this.sources = sources;
        this.results = results;
        this.account = account;
        this.settlement = settlement;
    }

    void register(@Observes StartupEvent event) {
        wakeups.register(Stage.SUBMIT, this::submitRound);
    }

    /** Jobs stored by this worker's intake are submitted at once. */
    void jobsQueued(@Observes JobsQueued queued) {
        wakeups.wake(Stage.SUBMIT);
    }

    /** The sweep: jobs queued by other workers, and retries come due. */
    @Scheduled(every = "${pipeline.submit-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void submitDue() {
        wakeups.wake(Stage.SUBMIT);
    }

    /**
     * Writes the answers that have arrived, then submits what the free slots allow; again while batches
     * come back full, writing answers between them so that a backlog never holds them up.
     */
    private void submitRound() {
        writeAnswers();
        if (!rounds.idle() && accountAccepted()) {
            rounds.repeatWhileFull(claims.batchSize(), () -> {
                writeAnswers();
                return submitBatch();
            });
        }
    }

    private int submitBatch() {
        if (account.refusal().isPresent()) {
            return 0;
        }
        List<Job> claimed = claims.claimForSubmission(concurrency.cap(), rate);
        if (claimed.isEmpty()) {
            return 0;
        }
        List<Request> requests = claimed.stream().map(this::prepare).toList();
        Instant now = clock.now();
        Set<Integer> recorded = claims.updateAll(claimed, (i, held) -> {
            Request request = requests.get(i);
            if (request.sourceUnavailable()) {
                outcomes.failBeforeAnyTask(held, "source_unavailable", request.problem());
            } else if (request.body() == null) {
                record(held, new SubmitOutcome.NotCreated("source not prepared: " + request.problem()));
            } else {
                Map<String, Object> remembered = SubmissionEvidence.remembered(request.body(),
                        SubmissionEvidence.sourceFromS3(held.input));
                held.sending(remembered, SubmissionEvidence.fingerprint(remembered), request.webhook() != null, now);
            }
        });
        // only a request committed as sent may leave: a crash before that provably sent nothing
        List<Integer> sendable = recorded.stream().filter(i -> requests.get(i).body() != null).sorted().toList();
        // the round goes on without waiting: each answer is written by a later round as it arrives
        // (one not written leaves its job SUBMITTING, settled from the history once its lease runs out)
        for (int i : sendable) {
            Job job = claimed.get(i);
            Consumer<Answer> answered = answers.expect();
            Span span = traces.stage(JobTraces.SUBMIT, SpanKind.CLIENT, job);
            try (Scope call = span.makeCurrent()) { // so the REST client's own span of the POST joins the job's trace
                wavespeed.submit(requests.get(i).body(), requests.get(i).webhook())
                        .onFailure().recoverWithItem(failure -> new SubmitOutcome.Unknown(failure.toString()))
                        .subscribe().with(outcome -> {
                            endSubmitSpan(span, outcome);
                            answered.accept(new Answer(job, outcome));
                        });
            }
        }
        return claimed.size();
    }

    private static void endSubmitSpan(Span span, SubmitOutcome outcome) {
        if (outcome instanceof SubmitOutcome.Accepted accepted) {
            span.setAttribute(JobTraces.PREDICTION_ID, accepted.prediction().id());
            JobTraces.endWith(span, "created");
        } else if (outcome instanceof SubmitOutcome.NotCreated notCreated) {
            JobTraces.endFailed(span, notCreated.rateLimited() ? "rate_limited" : "not_created", notCreated.reason());
        } else if (outcome instanceof SubmitOutcome.AccountRefused refused) {
            JobTraces.endFailed(span, "account_refused", refused.reason());
        } else if (outcome instanceof SubmitOutcome.Invalid invalid) {
            JobTraces.endFailed(span, "invalid", invalid.message());
        } else if (outcome instanceof SubmitOutcome.Unknown unknown) {
            JobTraces.endFailed(span, "unknown", unknown.reason());
        } else {
            throw new IllegalStateException("unhandled submit outcome " + outcome);
        }
    }

    /** A submit POST's answer, waiting to be written. */
    private record Answer(Job job, SubmitOutcome outcome) {
    }

    private void writeAnswers() {
        answers.writeArrived(arrived -> {
            Instant[] firstPoll = { null };
            claims.updateAll(arrived.stream().map(Answer::job).toList(), (i, held) -> {
                record(held, arrived.get(i).outcome());
                if (JobStatus.TRACKED.contains(held.status) && (firstPoll[0] == null || held.dueAt.isBefore(firstPoll[0]))) {
                    firstPoll[0] = held.dueAt;
                }
            }).forEach(i -> {
                SubmitOutcome outcome = arrived.get(i).outcome();
                metrics.submitted(resultOf(outcome));
                recent.answered(outcome instanceof SubmitOutcome.NotCreated notCreated && notCreated.rateLimited());
            });
            if (firstPoll[0] != null) {
                wakeups.wakeIn(Stage.POLL, Duration.between(clock.now(), firstPoll[0]));
            }
        });
    }

    /** The body to POST, or why there is none (a source that could not be presigned or uploaded, maybe for good). */
    private record Request(Map<String, Object> body, String webhook, String problem, boolean sourceUnavailable) {
    }

    private Request prepare(Job job) {
        try {
            return new Request(sources.submissionBody(job.input), webhookCallback(job).orElse(null), null, false);
        } catch (SourceUnavailableException e) {
            return new Request(null, null, e.getMessage(), true);
        } catch (RuntimeException e) {
            return new Request(null, null, e.getMessage(), false);
        }
    }

    /** While the account is refused, asks the free balance call now and then whether it is accepted again. */
    private boolean accountAccepted() {
        if (account.refusal().isEmpty()) {
            return true;
        }
        Instant now = clock.now();
        if (lastProbe != null && now.isBefore(lastProbe.plus(config.accountProbeInterval()))) {
            return false;
        }
        lastProbe = now;
        if (wavespeed.accountAccepted().await().atMost(config.requestTimeout().plusSeconds(1))) {
            account.accepted();
            return true;
        }
        return false;
    }

    private void record(Job held, SubmitOutcome outcome) {
        Instant now = clock.now();
        if (outcome instanceof SubmitOutcome.NotCreated notCreated && notCreated.rateLimited()) {
            metrics.rateLimited();
        }
        if (outcome instanceof SubmitOutcome.Accepted accepted) {
            concurrency.onAccepted();
            if (held.submittedAt == null) {
                metrics.firstSubmission(Duration.between(held.createdAt, now));
            }
            held.submitted(accepted.prediction().id(), now.plus(results.firstPollDelay(held)), now, "created");
            // sync mode may answer with a finished prediction
            if (accepted.prediction().completed() || accepted.prediction().failed()) {
                results.apply(held, accepted.prediction());
            }
        } else if (outcome instanceof SubmitOutcome.NotCreated notCreated
                && now.isAfter(JobTransition.firstAttemptSinceRelease(held).orElse(now).plus(config.submissionDeadline()))) {
            outcomes.failBeforeAnyTask(held, "submission_not_created", "no task created in " + config.submissionDeadline()
                    + " of attempts; the last: " + notCreated.reason());
        } else if (outcome instanceof SubmitOutcome.NotCreated notCreated) {
            if (notCreated.rateLimited()) {
                concurrency.onRateLimited();
            }
            LOG.warnf("Job %s not submitted, will retry: %s", held.jobId, notCreated.reason());
            metrics.retried(WorkerMetrics.Retry.SUBMIT);
            Duration delay = retryDelay(held.attempts);
            Duration wait = notCreated.retryAfter().filter(after -> after.compareTo(delay) > 0).orElse(delay);
            held.submissionRefused(now.plus(wait), now, notCreated.reason());
        } else if (outcome instanceof SubmitOutcome.AccountRefused refused) {
            account.refused(refused.reason());
            held.accountPaused(now, refused.reason());
        } else if (outcome instanceof SubmitOutcome.Invalid invalid) {
            outcomes.failBeforeAnyTask(held, "invalid_parameters", "WaveSpeed refused the parameters: " + invalid.message());
        } else if (outcome instanceof SubmitOutcome.Unknown unknown) {
            LOG.warnf("Job %s: submission outcome unknown, WaveSpeed's history will settle it: %s", held.jobId,
                    unknown.reason());
            held.submissionUnknown(settlement.settleAt(held), now, unknown.reason());
        } else {
            throw new IllegalStateException("unhandled submit outcome " + outcome);
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
        return outcome instanceof SubmitOutcome.AccountRefused ? WorkerMetrics.SubmitResult.ACCOUNT_REFUSED
                : WorkerMetrics.SubmitResult.UNKNOWN;
    }

    /**
     * Tagged with the job and attempt, so that the webhook finds its job even if this POST's answer is
     * lost. WaveSpeed refuses base64 output together with a webhook, so such jobs are polled instead.
     */
    private Optional<String> webhookCallback(Job job) {
        boolean base64 = Boolean.TRUE.equals(job.input.get("enable_base64_output"));
        return config.webhookUrl().filter(url -> !base64)
                .map(url -> url.replaceAll("/+$", "") + WEBHOOK_PATH + "?" + tags.query(job.id, job.attempts));
    }

    /** Exponential backoff with full jitter: anywhere between zero and base x 2^(attempts-1), capped. */
    private Duration retryDelay(int attempts) {
        long cap = Math.min(config.retryMaxDelay().toMillis(),
                config.retryBaseDelay().toMillis() << Math.min(Math.max(attempts - 1, 0), 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap + 1));
    }
}
