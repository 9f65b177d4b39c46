package io.enhance.worker.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.jobs.JobMetrics;
import io.enhance.worker.jobs.JobOutcomes;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.Rounds;
import io.enhance.worker.wavespeed.PollOutcome;
import io.enhance.worker.wavespeed.WaveSpeedClient;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/** Asks WaveSpeed for the result of every prediction whose next poll is due, a batch at a time. */
@ApplicationScoped
public class PollDuePredictions {

    private static final Logger LOG = Logger.getLogger(PollDuePredictions.class);
    /** Each poll ends within the request timeout (it answers a failure then); this only bounds the wait for them all. */
    private static final Duration ANSWER_SLACK = Duration.ofSeconds(5);

    private final JobClaims claims;
    private final JobOutcomes outcomes;
    private final WaveSpeedClient wavespeed;
    private final PredictionResults results;
    private final Rounds rounds;
    private final JobMetrics metrics;
    private final Duration answersWithin;

    PollDuePredictions(JobClaims claims, JobOutcomes outcomes, WaveSpeedClient wavespeed, PredictionResults results,
            Rounds rounds, JobMetrics metrics, WaveSpeedConfig config) {
        this.answersWithin = config.requestTimeout().plus(ANSWER_SLACK);
        this.rounds = rounds;
        this.metrics = metrics;
        this.claims = claims;
        this.outcomes = outcomes;
        this.wavespeed = wavespeed;
        this.results = results;
    }

    @Scheduled(every = "${pipeline.poll-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void pollDue() {
        rounds.repeatWhileFull(claims.batchSize(), this::pollBatch);
    }

    private int pollBatch() {
        List<Job> jobs = claims.claim(JobStatus.TRACKED);
        if (jobs.isEmpty()) {
            return 0;
        }
        List<PollOutcome> answers = Uni.join().all(jobs.stream().map(job -> wavespeed.result(job.predictionId)).toList())
                .andFailFast().await().atMost(answersWithin);
        claims.updateAll(jobs, (i, held) -> {
            PollOutcome answer = answers.get(i);
            held.polls++;
            if (answer instanceof PollOutcome.Found found) {
                results.apply(held, found.prediction());
            } else if (answer instanceof PollOutcome.NotFound notFound) {
                outcomes.fail(held, "prediction_not_found",
                        "WaveSpeed does not know prediction " + held.predictionId + ": " + notFound.message());
            } else if (answer instanceof PollOutcome.Unavailable unavailable) {
                LOG.debugf("Poll of job %s failed, will retry: %s", held.jobId, unavailable.reason());
                metrics.retried(JobMetrics.Retry.POLL);
                results.unanswered(held, unavailable.reason());
            } else {
                throw new IllegalStateException("unhandled poll outcome " + answer);
            }
        });
        return jobs.size();
    }
}
