package io.enhance.worker.config;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Pace and claim sizes of the worker's periodic tasks. */
@ConfigMapping(prefix = "pipeline")
public interface PipelineConfig {

    /**
     * Run the pipeline in this process: its stages, sweeps and periodic tasks. Off in the command-line
     * client (profile {@code client}: {@code submit --no-worker}, {@code status}), which only sends and watches.
     */
    @WithDefault("true")
    boolean enabled();

    /** How often the submission stage sweeps for queued jobs besides being woken by new ones (at least 1s). */
    @WithDefault("1s")
    Duration submitInterval();

    /** How often the poll stage sweeps for due predictions besides waking itself for the next one (at least 1s). */
    @WithDefault("1s")
    Duration pollInterval();

    /** How often the delivery stage sweeps for finished predictions besides being woken by them (at least 1s). */
    @WithDefault("1s")
    Duration deliverInterval();

    /** How often the relay sweeps for unsent outbox events besides being woken by each commit (at least 1s). */
    @WithDefault("1s")
    Duration relayInterval();

    /** How often stored webhook deliveries not applied on arrival (job not known yet) are looked for (at least 1s). */
    @WithDefault("1s")
    Duration webhookInterval();

    /** How often submissions of unknown outcome, and those a stopped worker left behind, are settled. */
    @WithDefault("1s")
    Duration settleInterval();

    /** How often each worker records in the database that it is alive ({@code worker_heartbeats}). */
    @WithDefault("1s")
    Duration heartbeatInterval();

    /**
     * A worker whose heartbeat is this old is taken for stopped: its submits still under way are settled
     * at once, with a window that ends now, instead of when their lease runs out. Judged only by a worker
     * that has itself beaten without a gap for as long, so that a database outage kills nobody.
     */
    @WithDefault("10s")
    Duration workerSilenceLimit();

    /** How often batch counters are folded (and {@code batch.completed} sent) and operator holds are enforced. */
    @WithDefault("1s")
    Duration batchInterval();

    /** How often the gauges of the shared database on {@code /q/metrics} (jobs by status, spend, relay lag) are refreshed. */
    @WithDefault("5s")
    Duration metricsInterval();

    /** Jobs (or events) one task claims per round; formerly {@code PIPELINE_BATCH_SIZE}, which still sets it. */
    @WithDefault("100")
    int claimSize();

    /** How long a claimed job is reserved for the claiming worker before another may take it. */
    @WithDefault("2m")
    Duration leaseDuration();

    /** Parallel output downloads and uploads. */
    @WithDefault("16")
    int deliveryThreads();

    /**
     * Longest one output download may take, headers and body, redirects included; must leave room within
     * the lease for the upload as well.
     */
    @WithDefault("45s")
    Duration downloadTimeout();

    /** A job that could not be delivered this long after it entered DELIVERING fails ({@code delivery_deadline_exceeded}). */
    @WithDefault("1h")
    Duration deliveryDeadline();

    /** Host names whose loopback or private addresses output downloads may reach (an emulator's); none by default. */
    Optional<Set<String>> outputPrivateHosts();

    /**
     * Host names (or literal addresses) of sources that may be loopback, private or otherwise unknown to
     * public DNS, because the WaveSpeed in use reaches them (an emulator's local store); none by default.
     */
    Optional<Set<String>> sourcePrivateHosts();

    /**
     * Serve a request with a fixed seed, the same parameters and the same source content as a job completed within
     * {@code RETENTION_REUSABLE_OUTPUTS} with copies of that job's outputs, paying nothing; off, every job pays.
     */
    @WithDefault("true")
    boolean reuseEnabled();

    /** Largest output image accepted from WaveSpeed, in bytes. */
    @WithDefault("52428800")
    long maxOutputBytes();

    /** On SIGTERM, how long work under way may take to finish before leases are handed back and the worker exits. */
    @WithDefault("30s")
    Duration shutdownGrace();

    /** Delay before a request message that hit an infrastructure error is handed back to the queue. */
    @WithDefault("1s")
    Duration requeueDelay();

    /**
     * Request messages stored in one transaction (one group commit) at most; {@code QUEUES_PREFETCH} should be
     * larger, to fill it. Formerly {@code PIPELINE_INTAKE_BATCH_SIZE}, which still sets it.
     */
    @WithDefault("200")
    int intakeGroupSize();

    /**
     * How long the oldest request message waits at most for others to share its transaction; formerly
     * {@code PIPELINE_INTAKE_BATCH_WAIT}, which still sets it.
     */
    @WithDefault("5ms")
    Duration intakeGroupWait();
}
