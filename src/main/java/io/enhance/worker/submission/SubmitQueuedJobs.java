package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.Rounds;
import io.enhance.worker.tracking.PredictionResults;
import io.enhance.worker.wavespeed.SubmitOutcome;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Submits queued jobs to WaveSpeed, no more than the in-flight cap allows. The attempt is committed
 * before the POST leaves; what the POST did decides the job's next state.
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
    private Instant lastProbe;

    SubmitQueuedJobs(JobClaims claims, JobOutcomes outcomes, WaveSpeedClient wavespeed, WaveSpeedConfig config,
            SourceUrls sources, PredictionResults results, AccountStatus account) {
        this.claims = claims;
        this.outcomes = outcomes;
        this.wavespeed = wavespeed;
        this.config = config;
        this.sources = sources;
        this.results = results;
        this.account = account;
    }

    @Scheduled(every = "${pipeline.submit-interval:1s}", skipExecutionIf = Scheduled.ApplicationNotRunning.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void submitDue() {
        if (accountAccepted()) {
            Rounds.repeatWhileFull(claims.batchSize(), this::submitBatch);
        }
    }

    private int submitBatch() {
        if (account.refusal().isPresent()) {
            return 0;
        }
        List<Job> jobs = claims.claimForSubmission(config.maxInFlight());
        if (jobs.isEmpty()) {
            return 0;
        }
        List<Uni<SubmitOutcome>> posts = jobs.stream().map(this::post).toList();
        List<SubmitOutcome> answers = Uni.join().all(posts).andFailFast().await().indefinitely();
        claims.updateAll(jobs, (i, held) -> record(held, answers.get(i)));
        return jobs.size();
    }

    /** While the account is refused, asks the free balance call now and then whether it is accepted again. */
    private boolean accountAccepted() {
        if (account.refusal().isEmpty()) {
            return true;
        }
        Instant now = Instant.now();
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

    private Uni<SubmitOutcome> post(Job job) {
        try {
            return wavespeed.submit(sources.submissionBody(job.input), webhookCallback(job).orElse(null));
        } catch (RuntimeException e) {
            return Uni.createFrom().item(new SubmitOutcome.NotCreated("source not prepared: " + e.getMessage()));
        }
    }

    private void record(Job held, SubmitOutcome outcome) {
        Instant now = Instant.now();
        if (outcome instanceof SubmitOutcome.Accepted accepted) {
            boolean webhook = webhookCallback(held).isPresent();
            held.submitted(accepted.prediction().id(), webhook,
                    now.plus(webhook ? config.webhookPollDelay() : config.firstPollDelay()), now);
            // sync mode may answer with a finished prediction
            if (accepted.prediction().completed() || accepted.prediction().failed()) {
                results.apply(held, accepted.prediction());
            }
        } else if (outcome instanceof SubmitOutcome.NotCreated notCreated) {
            LOG.warnf("Job %s not submitted, will retry: %s", held.jobId, notCreated.reason());
            Duration delay = retryDelay(held.attempts);
            Duration wait = notCreated.retryAfter().filter(after -> after.compareTo(delay) > 0).orElse(delay);
            held.submissionRefused(now.plus(wait), now, notCreated.reason());
        } else if (outcome instanceof SubmitOutcome.AccountRefused refused) {
            account.refused(refused.reason());
            held.submissionRefused(now, now, refused.reason());
        } else if (outcome instanceof SubmitOutcome.Invalid invalid) {
            outcomes.fail(held, "invalid_parameters", "WaveSpeed refused the parameters: " + invalid.message());
        } else if (outcome instanceof SubmitOutcome.Unknown unknown) {
            outcomes.fail(held, "submission_outcome_unknown", unknown.reason()
                    + "; not resubmitted, because a second submission could be paid twice");
        }
    }

    /** WaveSpeed refuses base64 output together with a webhook, so such jobs are polled instead. */
    private Optional<String> webhookCallback(Job job) {
        boolean base64 = Boolean.TRUE.equals(job.input.get("enable_base64_output"));
        return config.webhookUrl().filter(url -> !base64)
                .map(url -> url.replaceAll("/+$", "") + WEBHOOK_PATH);
    }

    /** Exponential backoff with full jitter: anywhere between zero and base x 2^(attempts-1), capped. */
    private Duration retryDelay(int attempts) {
        long cap = Math.min(config.retryMaxDelay().toMillis(),
                config.retryBaseDelay().toMillis() << Math.min(Math.max(attempts - 1, 0), 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap + 1));
    }
}
