package io.enhance.worker.runtime;

import java.time.Duration;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

/**
 * One log line when a kind of trouble starts and one when it has stopped, with how often it came in
 * between, instead of a line for every job it touched (the jobs' transitions keep the detail).
 */
public final class LogEpisode {

    private final Logger log;
    private final String what;
    private final long quietNanos;
    private final LongSupplier nanos;
    private long count;
    private long firstAt;
    private long lastAt;
    private String lastDetail;

    /** {@code what} names the trouble ("submits answered 429"); it has stopped after {@code quiet} without it. */
    public LogEpisode(Logger log, String what, Duration quiet) {
        this(log, what, quiet, System::nanoTime);
    }

    LogEpisode(Logger log, String what, Duration quiet, LongSupplier nanos) {
        this.log = log;
        this.what = what;
        this.quietNanos = quiet.toNanos();
        this.nanos = nanos;
    }

    /** It happened again; the first time of an episode is logged at WARN with {@code detail}. */
    public synchronized void happened(String detail) {
        long now = nanos.getAsLong();
        endIfQuiet(now);
        if (count == 0) {
            firstAt = now;
            log.warnf("%s: %s (further ones are counted, not logged, until they stop)", what, detail);
        }
        count++;
        lastAt = now;
        lastDetail = detail;
    }

    /** Logs the end of an episode that has been quiet long enough; cheap, call it as often as convenient. */
    public synchronized void check() {
        endIfQuiet(nanos.getAsLong());
    }

    private void endIfQuiet(long now) {
        if (count > 0 && now - lastAt >= quietNanos) {
            log.infof("%s: %d in %d s, the last: %s", what, count, Duration.ofNanos(lastAt - firstAt).toSeconds(), lastDetail);
            count = 0;
        }
    }
}
