package io.enhance.worker.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the worker reaches the WaveSpeed API (environment: {@code WAVESPEED_*}). */
@ConfigMapping(prefix = "wavespeed")
public interface WaveSpeedConfig {

    /** Base URL of the WaveSpeed API; point it at the emulator for local runs and tests. */
    @WithDefault("https://api.wavespeed.ai")
    String baseUrl();

    /** API key sent as a bearer token; required unless the embedded emulator is used. */
    Optional<String> apiKey();

    /** Model path appended to {@code /api/v3/} when submitting. */
    @WithDefault("wavespeed-ai/flux-1-srpo/image-to-image")
    String model();

    /** Price of one output image in USD, used for the job's cost. */
    @WithDefault("0.025")
    BigDecimal pricePerImage();

    /** Most USD that submissions may cost per UTC day, across all workers; jobs past it wait as HELD_BUDGET until the next day. */
    Optional<BigDecimal> dailySpendCapUsd();

    /** Most USD that the submissions of one batch may cost; its jobs past it wait as HELD_BUDGET. */
    Optional<BigDecimal> batchSpendCapUsd();

    /**
     * The account level, whose published limits the worker keeps to across all workers sharing the
     * database: bronze (2 concurrent, 2 images a minute), silver (300, 500), gold (3,000, 3,000), ultra (10,000, 5,000).
     */
    @WithDefault("silver")
    Tier tier();

    /** WaveSpeed's account levels. */
    enum Tier {
        BRONZE,
        SILVER,
        GOLD,
        ULTRA
    }

    /** Most predictions in flight at any time, across all workers; unset means the tier's concurrency. */
    OptionalInt maxInFlight();

    /** Most submissions in any 60 s (a rolling window), across all workers; unset means the tier's rate. */
    OptionalInt imagesPerMinute();

    /** Longest wait for any single WaveSpeed HTTP call. */
    @WithDefault("60s")
    Duration requestTimeout();

    /**
     * A pooled connection to WaveSpeed unused this long is closed (milliseconds, in whole seconds, at least
     * 1000). Below common server keep-alives (Node 5 s, ALB 60 s, nginx 75 s), so that a request is never sent
     * on a connection the server is closing: a submit lost that way could only be settled from the history.
     * The pool sweeps once a second, so a connection may live a second longer: 3 s stays clear of Node's 5 s.
     */
    @WithDefault("3000")
    int idleConnectionTimeoutMs();

    /**
     * Delay between a submission and its first result poll until a few predictions have finished; from
     * then on the first poll is timed from the execution times WaveSpeed reported.
     */
    @WithDefault("2s")
    Duration firstPollDelay();

    /** Longest delay between two polls of one prediction; the delay grows by half each poll up to this. */
    @WithDefault("15s")
    Duration maxPollDelay();

    /** First delay before submitting again a job whose submission created nothing (429, 503, unreachable); doubles per attempt. */
    @WithDefault("1s")
    Duration retryBaseDelay();

    /** Cap of that delay; the actual delay is drawn at random between zero and it (full jitter). */
    @WithDefault("1m")
    Duration retryMaxDelay();

    /**
     * A job whose submissions created no task (429, 503, unreachable, source not prepared) for this long,
     * counted from its first attempt since it was accepted or released from a budget hold, fails
     * ({@code submission_not_created}). A refused account and a budget hold are deliberate waits, not counted.
     */
    @WithDefault("24h")
    Duration submissionDeadline();

    /** While WaveSpeed refuses the account, how often the free balance call checks whether it accepts it again. */
    @WithDefault("30s")
    Duration accountProbeInterval();

    /** Hand {@code s3://} sources to WaveSpeed through its media upload API instead of as presigned URLs. */
    @WithDefault("false")
    boolean uploadSources();

    /**
     * How far WaveSpeed's clock may stand from PostgreSQL's while no answered submit has shown it: until
     * then an unanswered attempt's history search reaches this far beyond the attempt on either side.
     * Once submits are answered, their {@code created_at} bounds the difference within milliseconds.
     */
    @WithDefault("30s")
    Duration historyMargin();

    /**
     * How long after a task is created WaveSpeed's history is trusted to list it: an unanswered attempt
     * is looked for only this long after its window closed, so that a task not listed yet is not taken
     * for one never created.
     */
    @WithDefault("10s")
    Duration historyLag();

    /** What follows when the history proves an unanswered submission created nothing: {@code resubmit} or {@code fail}. */
    @WithDefault("resubmit")
    UnknownSubmissionPolicy unknownSubmissionPolicy();

    /** What to do with a job whose earlier submission provably created no task. */
    enum UnknownSubmissionPolicy {
        RESUBMIT,
        FAIL
    }

    /**
     * Nothing but this worker (and its replicas) uses the API key, so no listed task is a stranger's: an
     * unanswered attempt may then be paired with an unowned task by time alone, where only one pairing fits,
     * also when the outputs cannot be compared with the sources.
     */
    @WithDefault("false")
    boolean exclusiveApiKey();

    /**
     * A poll answered 404 this soon after submission is polled again, since a new task may show late; one answered
     * 404 later fails its job ({@code prediction_not_found}).
     */
    @WithDefault("1m")
    Duration notFoundGrace();

    /** A prediction still unfinished this long after submission fails; also how long an unanswered submission may wait to be settled. */
    @WithDefault("30m")
    Duration predictionDeadline();

    /**
     * Most tasks of cancelled jobs one delete call names (each is also asked for its state before and after):
     * a cancelled batch's running tasks are deleted this many at a time.
     */
    @WithDefault("100")
    int cancelBatchSize();

    /** Least time between two of this worker's delete calls, so that cancelling a big batch cannot flood the API. */
    @WithDefault("500ms")
    Duration cancelInterval();

    /** This worker's public base URL; when set, predictions report back by signed webhook to {@code /webhooks/wavespeed}. */
    Optional<String> webhookUrl();

    /** Secret that signs webhooks ({@code whsec_...}); unset means it is fetched from WaveSpeed at start. */
    Optional<String> webhookSecret();

    /**
     * After repeated signature mismatches, a fetched webhook secret is fetched again, at most this often,
     * in case it was rotated (a configured {@code webhookSecret} never is).
     */
    @WithDefault("1m")
    Duration webhookSecretRefetchInterval();

    /** After the fetched webhook secret changes, deliveries signed with the previous one are still accepted this long. */
    @WithDefault("1h")
    Duration webhookSecretGrace();

    /** Delay between safety-net polls of a prediction that will report back by webhook. */
    @WithDefault("1m")
    Duration webhookPollDelay();
}
