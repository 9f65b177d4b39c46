package io.enhance.worker.intake;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.reactive.messaging.ChannelRegistry;
import io.smallrye.reactive.messaging.PausableChannel;

/**
 * While jobs cannot be stored, intake takes no new request messages: the channel is paused, the
 * messages already delivered wait for the recovery, and no delivery is spent on a message that is
 * not at fault. The database is down, or refuses writes, if the probe says so or the failure's
 * SQLSTATE does ({@link StoreFailures}). A probe every second notices the recovery, and intake resumes
 * on fresh connections.
 */
@ApplicationScoped
public class JobStoreOutage {

    private static final Logger LOG = Logger.getLogger(JobStoreOutage.class);

    private final JobStoreProbe probe;
    private final ChannelRegistry channels;
    private volatile CompletableFuture<Void> recovery = CompletableFuture.completedFuture(null);

    JobStoreOutage(JobStoreProbe probe, ChannelRegistry channels) {
        this.probe = probe;
        this.channels = channels;
    }

    /**
     * After a failure to store a request: whether the job store is down, rather than the message
     * at fault. If it is, intake is paused until it is back.
     */
    public boolean explains(RuntimeException failure) {
        if (!recovery.isDone()) {
            return true;
        }
        Optional<String> problem = probe.problem().or(() -> StoreFailures.outage(failure));
        problem.ifPresent(reason -> begin(reason, failure));
        return problem.isPresent();
    }

    /** Completes once jobs can be stored again; at once if they can now. */
    public CompletionStage<Void> recovered() {
        return recovery.copy(); // a waiter giving up must not cancel the others' wait
    }

    private synchronized void begin(String reason, RuntimeException failure) {
        if (recovery.isDone()) {
            recovery = new CompletableFuture<>();
            intake().ifPresent(PausableChannel::pause);
            LOG.warnf("Jobs cannot be stored (%s; %s): intake paused until the database is back", reason,
                    failure.toString());
        }
    }

    /** Resumes intake once the job store answers again; probed every second by {@code maintenance.Sweeps}. */
    public void watchForRecovery() {
        if (!recovery.isDone() && probe.problem().isEmpty()) {
            end();
        }
    }

    private synchronized void end() {
        probe.reconnect();
        intake().ifPresent(PausableChannel::resume);
        LOG.info("Jobs can be stored again: intake resumed");
        recovery.complete(null);
    }

    private Optional<PausableChannel> intake() {
        return Optional.ofNullable(channels.getPausable(JobRequestListener.CHANNEL));
    }
}
