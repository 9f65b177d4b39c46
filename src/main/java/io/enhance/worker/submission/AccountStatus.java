package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * Whether WaveSpeed accepts this worker's account. While it refuses (bad key, no permission, no
 * balance), submissions stop, jobs wait queued and the worker reports itself not ready.
 */
@Startup // the gauge is there from the start
@ApplicationScoped
public class AccountStatus {

    private static final Logger LOG = Logger.getLogger(AccountStatus.class);

    /** Why submissions are paused, and since when. */
    public record Refusal(String reason, Instant since) {
    }

    private volatile Refusal refusal;

    @Inject
    AccountStatus(MeterRegistry registry) {
        Gauge.builder("enhance.account.refused", this, AccountStatus::refusedSeconds).baseUnit("seconds")
                .description("How long WaveSpeed has refused the account, as this worker saw it; 0 while it accepts it")
                .register(registry);
    }

    private double refusedSeconds() {
        Refusal current = refusal;
        return current == null ? 0 : Math.max(0, Duration.between(current.since(), Instant.now()).toMillis() / 1000.0);
    }

    public Optional<Refusal> refusal() {
        return Optional.ofNullable(refusal);
    }

    void refused(String reason) {
        if (refusal == null) {
            LOG.errorf("WaveSpeed refuses the account, submissions paused until it accepts it again: %s", reason);
            refusal = new Refusal(reason, Instant.now());
        }
    }

    void accepted() {
        if (refusal != null) {
            LOG.infof("WaveSpeed accepts the account again; submissions resume");
            refusal = null;
        }
    }
}
