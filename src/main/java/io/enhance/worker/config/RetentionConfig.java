package io.enhance.worker.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How long bookkeeping rows are kept before the purge task deletes them (environment: {@code RETENTION_*}). */
@ConfigMapping(prefix = "retention")
public interface RetentionConfig {

    /** Webhook deliveries, from the moment they were applied; never less than twice the 300 s signature tolerance. */
    @WithDefault("1d")
    Duration webhookDeliveries();

    /** Outbox events the broker confirmed, from their sending; unsent events are always kept. */
    @WithDefault("7d")
    Duration sentEvents();

    /** The transitions of a job, from the moment it finished (those of unfinished jobs are always kept), and the dashboard's per-minute activity. */
    @WithDefault("30d")
    Duration jobTransitions();

    /**
     * How long a completed job's outputs may serve an identical request (fixed seed, same parameters and source
     * content) with copies instead of a new paid task, from the moment it completed.
     */
    @WithDefault("30d")
    Duration reusableOutputs();

    /** Rejected request messages, from their arrival. */
    @WithDefault("30d")
    Duration rejectedMessages();

    /** How often expired rows are looked for. */
    @WithDefault("10m")
    Duration interval();

    /**
     * Rows one purge statement deletes at most, so that no delete holds locks or a transaction for long;
     * formerly {@code RETENTION_BATCH_SIZE}, which still sets it.
     */
    @WithDefault("1000")
    int rowsPerPurge();
}
