package io.enhance.worker.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Pace and batch sizes of the worker's periodic tasks. */
@ConfigMapping(prefix = "pipeline")
public interface PipelineConfig {

    /** How often queued jobs are looked for and submitted. */
    @WithDefault("200ms")
    Duration submitInterval();

    /** How often predictions that are due are polled. */
    @WithDefault("200ms")
    Duration pollInterval();

    /** How often finished predictions are copied to S3. */
    @WithDefault("200ms")
    Duration deliverInterval();

    /** How often unsent outbox events are relayed to RabbitMQ. */
    @WithDefault("200ms")
    Duration relayInterval();

    /** Jobs (or events) one task claims per round. */
    @WithDefault("100")
    int batchSize();

    /** How long a claimed job is reserved for the claiming worker before another may take it. */
    @WithDefault("2m")
    Duration leaseDuration();

    /** Parallel output downloads and uploads. */
    @WithDefault("16")
    int deliveryThreads();

    /** Largest output image accepted from WaveSpeed, in bytes. */
    @WithDefault("52428800")
    long maxOutputBytes();

    /** Delay before a request message that hit an infrastructure error is handed back to the queue. */
    @WithDefault("1s")
    Duration requeueDelay();
}
