package io.enhance.worker.submission;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;

/**
 * How many predictions all workers together may have in flight, as this worker sees it (AIMD): it
 * starts at the tier's concurrency, is cut by 30% when WaveSpeed lets tasks wait upstream for a slot,
 * and grows back by a hundredth of the tier's concurrency each second without that. Queueing upstream
 * is the only sign that concurrency is too high: a 429 is about the rate ({@link SubmissionRate}). The
 * claim enforces the cap across workers by counting the jobs in flight in the database.
 */
@Startup // the gauge is there from the start
@ApplicationScoped
public class AdaptiveConcurrency {

    private static final Logger LOG = Logger.getLogger(AdaptiveConcurrency.class);
    /** Each cut keeps this many tenths. */
    static final int CUT_TENTHS = 7;
    /** One burst of queued predictions, found by one round of polls, is one cut; and growth waits this long after a cut. */
    private static final long CALM_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A change of a tenth since the last one logged is worth a line. */
    private static final double NOTABLE_CHANGE = 0.1;

    private final int ceiling;
    private final int floor;
    private final int step;
    private final LongSupplier nanos;
    private int cap;
    private long lastChange;
    private long lastCut;
    private int logged;

    @Inject
    AdaptiveConcurrency(TierLimits limits, MeterRegistry registry) {
        this(limits, System::nanoTime);
        Gauge.builder("enhance.concurrency.cap", this, AdaptiveConcurrency::cap).baseUnit("predictions")
                .description("Predictions in flight that all workers together may have, as this worker adapts it")
                .register(registry);
    }

    AdaptiveConcurrency(TierLimits limits, LongSupplier nanos) {
        this.ceiling = limits.concurrency();
        this.floor = Math.min(2, ceiling);
        this.step = Math.max(1, ceiling / 100);
        this.nanos = nanos;
        this.cap = ceiling;
        this.logged = ceiling;
        this.lastChange = nanos.getAsLong() - CALM_NANOS;
        this.lastCut = lastChange;
    }

    public synchronized int cap() {
        return cap;
    }

    /** A prediction waits upstream to be started: more in flight would only queue there. */
    void onUpstreamQueueing(@Observes QueuedUpstream queued) {
        cut("a prediction still waits upstream " + queued.since().toSeconds() + " s after submission");
    }

    /** A submit created its task: one second after the last change and without trouble, the cap grows a step. */
    public synchronized void onAccepted() {
        long now = nanos.getAsLong();
        if (cap < ceiling && now - lastChange >= CALM_NANOS && now - lastCut >= CALM_NANOS) {
            cap = Math.min(ceiling, cap + step);
            changed(now, "no trouble");
        }
    }

    private synchronized void cut(String why) {
        long now = nanos.getAsLong();
        if (now - lastCut >= CALM_NANOS && cap > floor) {
            cap = Math.max(floor, cap * CUT_TENTHS / 10);
            lastCut = now;
            changed(now, why);
        }
    }

    private void changed(long now, String why) {
        lastChange = now;
        if (Math.abs(cap - logged) >= Math.max(1, logged * NOTABLE_CHANGE) || cap == ceiling && logged != ceiling) {
            LOG.infof("Concurrency cap now %d of the tier's %d: %s", cap, ceiling, why);
            logged = cap;
        }
    }
}
