package io.enhance.worker.runtime;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.enhance.worker.config.PipelineConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.ChannelRegistry;

/**
 * On SIGTERM, before anything else shuts down: stop taking request messages, let the work under way
 * finish within the grace period, then hand this worker's leases back so that other workers take
 * its jobs at once instead of when the leases run out. Messages not yet handled go back to the
 * queue with the connection.
 */
@ApplicationScoped
public class GracefulShutdown {

    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class);
    static final String INTAKE_CHANNEL = "job-requests";

    private final Rounds rounds;
    private final PipelineConfig pipeline;
    private final WorkerIdentity worker;
    private final LeaseHandBack leases;
    private final ChannelRegistry channels;

    GracefulShutdown(Rounds rounds, PipelineConfig pipeline, WorkerIdentity worker, ChannelRegistry channels,
            LeaseHandBack leases) {
        this.leases = leases;
        this.rounds = rounds;
        this.pipeline = pipeline;
        this.worker = worker;
        this.channels = channels;
    }

    void stop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        var intake = channels.getPausable(INTAKE_CHANNEL);
        if (intake != null) {
            intake.pause();
        }
        boolean finished;
        try {
            finished = rounds.stopAndAwait(pipeline.shutdownGrace());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        int released = releaseLeases();
        if (finished) {
            LOG.infof("Stopped gracefully: all work under way finished, %d lease(s) handed back", released);
        } else {
            LOG.warnf("Grace period of %s over with %d unit(s) of work still under way; %d lease(s) handed back, "
                    + "and what was cut short is redone by the next worker", pipeline.shutdownGrace(), rounds.underWay(),
                    released);
        }
    }

    private int releaseLeases() {
        try {
            return leases.handBackLeases(worker.name());
        } catch (RuntimeException e) {
            LOG.warnf("Leases not handed back; they run out by themselves: %s", e.toString());
            return 0;
        }
    }
}
