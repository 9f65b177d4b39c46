package io.enhance.worker.submission;

import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

/**
 * Whether WaveSpeed accepts this worker's account. While it refuses (bad key, no permission, no
 * balance), submissions stop, jobs wait queued and the worker reports itself not ready.
 */
@ApplicationScoped
public class AccountStatus {

    private static final Logger LOG = Logger.getLogger(AccountStatus.class);

    /** Why submissions are paused, and since when. */
    public record Refusal(String reason, Instant since) {
    }

    private volatile Refusal refusal;

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
