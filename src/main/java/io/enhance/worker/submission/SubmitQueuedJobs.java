package io.enhance.worker.submission;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.reuse.OutputReuse;
import io.enhance.worker.runtime.AsReady;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.LogEpisode;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.enhance.worker.runtime.WorkerHeartbeats;
import io.enhance.worker.tracing.JobTraces;
import io.enhance.worker.wavespeed.SubmitOutcome;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Submits queued jobs to WaveSpeed, no more than the adaptive in-flight cap and the tier's rate allow.
 * The attempt, with the exact request, is committed before the POST leaves; what the POST did decides
 * the job's next state ({@link SubmitAnswers}).
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
    private final AccountStatus account;
    private final Rounds rounds;
    private final WorkerMetrics metrics;
    private final WebhookTags tags;
    private final DatabaseClock clock;
    private final Wakeups wakeups;
    private final AdaptiveConcurrency concurrency;
    private final SubmissionRate rate;
    private final JobTraces traces;
    private final SourceCheck sourceCheck;
    private final AsReady<Request> prepared;
    private final WorkerHeartbeats heartbeats;
    private final SubmitAnswers answers;
    private final OutputReuse reuse;
    private final LogEpisode reuseFallbacks = new LogEpisode(LOG, "Completed twins whose outputs are gone from S3; "
            + "their requests are paid for again", Duration.ofMinutes(1));
    private Instant lastProbe;

    SubmitQueuedJobs(JobClaims claims, JobOutcomes outcomes, SubmitAnswers answers, WaveSpeedClient wavespeed, WaveSpeedConfig config,
            SourceUrls sources, AccountStatus account, Rounds rounds, WorkerMetrics metrics, WebhookTags tags,
            DatabaseClock clock, Wakeups wakeups, AdaptiveConcurrency concurrency, SubmissionRate rate, JobTraces traces,
            WorkerHeartbeats heartbeats, SourceCheck sourceCheck, OutputReuse reuse) {
        this.reuse = reuse;
        this.claims = claims;
        this.outcomes = outcomes;
        this.answers = answers;
        this.wavespeed = wavespeed;
        this.config = config;
        this.sources = sources;
        this.account = account;
        this.rounds = rounds;
        this.metrics = metrics;
        this.tags = tags;
        this.clock = clock;
        this.wakeups = wakeups;
        this.concurrency = concurrency;
        this.rate = rate;
        this.traces = traces;
        this.heartbeats = heartbeats;
        this.sourceCheck = sourceCheck;
        this.prepared = new AsReady<>(rounds, this::send);
    }

    void register(@Observes StartupEvent event) {
        wakeups.register(Stage.SUBMIT, this::submitRound);
    }

    /** The sweep: jobs queued by other workers, and retries come due. */
    @Scheduled(every = "${pipeline.submit-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void submitDue() {
        wakeups.wake(Stage.SUBMIT);
    }

    /**
     * Writes the answers that have arrived, then submits what the free slots allow; again while claims
     * come back full, writing answers between them so that a backlog never holds them up.
     */
    private void submitRound() {
        answers.writeArrived();
        if (!rounds.idle() && accountAccepted()) {
            rounds.repeatWhileFull(claims.claimSize(), () -> {
                answers.writeArrived();
                return submitClaim();
            });
        }
    }

    private int submitClaim() {
        if (account.refusal().isPresent()) {
            return 0;
        }
        List<Job> claimed = claims.claimForSubmission(concurrency.cap(), rate);
        // the sources are checked all at once, each on its own deadline; a job is sent as soon as its check
        // answers, with the others answered by then, so that a slow source holds up no other job
        claimed.forEach(job -> prepared.add(prepare(job)));
        return claimed.size();
    }

    /**
     * Records the attempts of jobs whose sources were checked, then sends them; a job whose source failed
     * its check is failed or queued again, and never sent.
     */
    private void send(List<Request> requests) {
        List<Job> claimed = requests.stream().map(Request::job).toList();
        Instant now = clock.now();
        Set<Integer> superseded = new HashSet<>();
        Set<Integer> recorded = claims.updateAll(claimed, (i, held) -> {
            Request request = requests.get(i);
            if (held.attempts != request.job().attempts) {
                superseded.add(i); // its lease ran out while its source was checked, and it was claimed again since
            } else if (request.sourceUnavailable()) {
                outcomes.failBeforeAnyTask(held, "source_unavailable", request.problem());
            } else if (request.reused() != null) {
                held.reuseKey = request.reuseKey();
                held.reusing(request.reused().twin().jobId(), request.reused().twin().hasNsfwContents(), now);
                outcomes.complete(held, request.reused().outputs(), BigDecimal.ZERO);
            } else if (request.body() == null) {
                answers.record(held, new SubmitOutcome.NotCreated(request.problem()), now);
            } else {
                held.reuseKey = request.reuseKey();
                Map<String, Object> remembered = RememberedRequest.of(request.body(), RememberedRequest.sourceFromS3(held.input));
                held.sending(remembered, RememberedRequest.fingerprint(remembered), request.webhook() != null, now);
                claims.renewLease(held, now); // the check took some of it: the POST gets the whole lease, as if claimed now
            }
        }).written();
        // only a request committed as sent may leave: a crash before that provably sent nothing
        List<Integer> sendable = recorded.stream().filter(i -> requests.get(i).body() != null && requests.get(i).reused() == null
                && !superseded.contains(i))
                .sorted().toList();
        // the round goes on without waiting: each answer is written by a later round as it arrives
        // (one not written leaves its job SUBMITTING, settled from the history once its lease runs out)
        for (int i : sendable) {
            Job job = claimed.get(i);
            int attempt = job.attempts;
            Consumer<SubmitAnswers.Answer> answered = answers.expect();
            if (!heartbeats.aliveToOthers()) {
                // others may be settling this attempt as abandoned: a POST now could be paid twice
                answered.accept(new SubmitAnswers.Answer(job, attempt, new SubmitOutcome.NotCreated("not sent: this worker has not "
                        + "recorded its heartbeat lately"), clock.now()));
                continue;
            }
            Span span = traces.stage(JobTraces.SUBMIT, SpanKind.CLIENT, job.traced());
            try (Scope call = span.makeCurrent()) { // so the REST client's own span of the POST joins the job's trace
                // deferred: whatever the call throws, an Error too, becomes an answer (unknown: it may have been sent)
                Uni.createFrom().deferred(() -> wavespeed.submit(requests.get(i).body(), requests.get(i).webhook()))
                        .onFailure().recoverWithItem(failure -> new SubmitOutcome.Unknown(failure.toString()))
                        .flatMap(this::whoseRefusal)
                        .subscribe().with(outcome -> {
                            try {
                                endSubmitSpan(span, outcome);
                            } finally {
                                answered.accept(new SubmitAnswers.Answer(job, attempt, outcome, clock.now()));
                            }
                        });
            }
        }
    }

    /**
     * An account-level refusal (401, 402, 403...) is the account's only if the free balance call agrees;
     * when that accepts the account, the refusal belongs to this request, which then fails alone instead of
     * pausing every submission, over and over.
     */
    private Uni<SubmitOutcome> whoseRefusal(SubmitOutcome outcome) {
        if (!(outcome instanceof SubmitOutcome.AccountRefused refused)) {
            return Uni.createFrom().item(outcome);
        }
        return wavespeed.accountAccepted().map(accepted -> accepted
                ? new SubmitOutcome.Refused(refused.reason() + "; the balance call accepts the account, so the refusal is this request's")
                : outcome);
    }

    private static void endSubmitSpan(Span span, SubmitOutcome outcome) {
        if (outcome instanceof SubmitOutcome.Accepted accepted) {
            span.setAttribute(JobTraces.PREDICTION_ID, accepted.prediction().id());
            JobTraces.endWith(span, "created");
        } else if (outcome instanceof SubmitOutcome.NotCreated notCreated) {
            JobTraces.endFailed(span, notCreated.rateLimited() ? "rate_limited" : "not_created", notCreated.reason());
        } else if (outcome instanceof SubmitOutcome.AccountRefused refused) {
            JobTraces.endFailed(span, "account_refused", refused.reason());
        } else if (outcome instanceof SubmitOutcome.Refused refused) {
            JobTraces.endFailed(span, "refused", refused.reason());
        } else if (outcome instanceof SubmitOutcome.Invalid invalid) {
            JobTraces.endFailed(span, "invalid", invalid.message());
        } else if (outcome instanceof SubmitOutcome.Unknown unknown) {
            JobTraces.endFailed(span, "unknown", unknown.reason());
        } else {
            throw new IllegalStateException("unhandled submit outcome " + outcome);
        }
    }

    /**
     * A job's body to POST, or why there is none: a source that failed its check, or could not be presigned
     * or uploaded, maybe for good; or the copies of a completed twin's outputs that serve it instead.
     */
    private record Request(Job job, Map<String, Object> body, String webhook, String problem, boolean sourceUnavailable,
            String reuseKey, Reused reused) {

        static Request notPrepared(Job job, String problem, boolean sourceUnavailable) {
            return new Request(job, null, null, problem, sourceUnavailable, null, null);
        }
    }

    /** A completed job asking for exactly the same, and its outputs as copied to this job's keys. */
    private record Reused(JobStore.CompletedTwin twin, List<StoredOutput> outputs) {
    }

    /**
     * Checks the job's source, then builds its body (an upload may block, so never on the round's thread). Then,
     * with the source's identity known and nothing paid yet, copies the outputs of a completed twin if there is one.
     */
    private CompletionStage<Request> prepare(Job job) {
        return sourceCheck.check(job.input)
                .thenApplyAsync(s3Object -> {
                    SourceUrls.Body body = sources.submissionBody(job.input);
                    String reuseKey = reuse.keyOf(job, new OutputReuse.SourceIdentity(body.sourceSha256(), s3Object))
                            .orElse(null);
                    Optional<JobStore.CompletedTwin> twin = reuseKey == null ? Optional.empty() : reuse.twinOf(job, reuseKey);
                    Reused reused = twin.flatMap(found -> copied(found, job)).orElse(null);
                    return new Request(job, body.body(), webhookCallback(job).orElse(null), null, false, reuseKey, reused);
                }, Infrastructure.getDefaultWorkerPool())
                .exceptionally(failure -> {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    boolean unavailable = cause instanceof SourceUnavailableException;
                    // a source failed for good is the job's error as it is; anything else says what was not done
                    String problem = unavailable || cause instanceof ReuseNotCopied ? cause.getMessage()
                            : "source not prepared: " + cause.getMessage();
                    return Request.notPrepared(job, problem, unavailable);
                });
    }

    /**
     * The twin's outputs copied as this job's; empty when they are gone from S3, so that the job pays for its
     * own task instead. Any other failure queues the job again, to try the copy again.
     */
    private Optional<Reused> copied(JobStore.CompletedTwin twin, Job job) {
        try {
            return Optional.of(new Reused(twin, reuse.copy(twin, job)));
        } catch (OutputReuse.TwinGone gone) {
            reuseFallbacks.happened(gone.getMessage());
            return Optional.empty();
        } catch (RuntimeException e) {
            throw new ReuseNotCopied("outputs of job " + twin.jobId() + " not copied for reuse: " + e.getMessage());
        }
    }

    /** Copying a twin's outputs failed in a way that may pass. */
    private static final class ReuseNotCopied extends RuntimeException {
        ReuseNotCopied(String message) {
            super(message, null, false, false);
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

    /**
     * Tagged with the job and attempt, so that the webhook finds its job even if this POST's answer is
     * lost. WaveSpeed refuses base64 output together with a webhook, so such jobs are polled instead.
     */
    private Optional<String> webhookCallback(Job job) {
        boolean base64 = Boolean.TRUE.equals(job.input.get("enable_base64_output"));
        return config.webhookUrl().filter(url -> !base64)
                .map(url -> url.replaceAll("/+$", "") + WEBHOOK_PATH + "?" + tags.query(job.id, job.attempts));
    }

}
