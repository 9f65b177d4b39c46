package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.jboss.logging.Logger;

/**
 * The images per minute this worker submits at: the tier's, until a 429 shows that WaveSpeed counts
 * fewer. A 429 is a rate signal only: submissions stop until it allows again ({@code Retry-After} when
 * given, else {@link #PAUSE}), and a 429 that came while fewer than the limit were submitted in the
 * window lowers the limit to what was submitted then. It does so only when nine in ten of the recent
 * answers were 429s (an account at its limit answers every submit past it so, where 429s among
 * accepted submits are no limit), by half at most and once a second. Each minute without a 429
 * after that raises it by a tenth, up to the tier again, so that a raised account limit is found again.
 */
final class LearnedRate {

    private static final Logger LOG = Logger.getLogger(LearnedRate.class);
    /** Without a {@code Retry-After}, how long submissions stop after a 429: the next round, not the next minute. */
    static final Duration PAUSE = Duration.ofMillis(250);
    /** One burst of 429s, the answers to a round or two of submits, lowers the limit once. */
    static final Duration CUT_SPACING = Duration.ofSeconds(1);
    /** How long without a 429 before the learned limit is raised a step. */
    static final Duration CALM = Duration.ofMinutes(1);
    /** The recent answers whose share of 429s tells a limit from stray 429s: those of this period. */
    static final Duration RECENT = Duration.ofSeconds(10);

    private final int configured;
    private int limit;
    private Instant pausedUntil = Instant.MIN;
    private Instant lastChange = Instant.MIN;
    private Instant lastCut = Instant.MIN;

    LearnedRate(int configured) {
        this.configured = configured;
        this.limit = configured;
    }

    /** The images per minute to keep to at {@code now}: 0 while paused after a 429. */
    synchronized int limit(Instant now) {
        if (now.isBefore(pausedUntil)) {
            return 0;
        }
        if (limit < configured && !now.isBefore(lastChange.plus(CALM))) {
            limit = Math.min(configured, limit + Math.max(Math.max(1, configured / 100), limit / 10));
            lastChange = now;
            if (limit == configured) {
                LOG.infof("No 429 for a minute: submitting at the configured %d images a minute again", configured);
            }
        }
        return limit;
    }

    /** The limit as learned, pauses aside. */
    synchronized int learned() {
        return limit;
    }

    /**
     * WaveSpeed answered a submit 429 at {@code now}, with {@code inWindow} submissions (its own not
     * counted) in the rolling window, and {@code recentAnswers} answers in the last {@link #RECENT}, of
     * them {@code recentRateLimited} 429s (this one not counted).
     */
    synchronized void rateLimited(long inWindow, long recentAnswers, long recentRateLimited, Optional<Duration> retryAfter,
            Instant now) {
        Instant until = now.plus(retryAfter.filter(after -> after.compareTo(PAUSE) > 0).orElse(PAUSE));
        if (until.isAfter(pausedUntil)) {
            pausedUntil = until;
        }
        lastChange = now;
        boolean atALimit = 10 * (recentRateLimited + 1) >= 9 * (recentAnswers + 1);
        if (atALimit && inWindow < limit && !now.isBefore(lastCut.plus(CUT_SPACING))) {
            int lower = (int) Math.max(Math.max(1, inWindow), limit / 2);
            lastCut = now;
            LOG.warnf("WaveSpeed answers 429 at %d submissions in the last minute, below the %d submitted at so far "
                    + "(the account allows fewer than %d a minute?): submitting at most %d a minute", inWindow, limit,
                    configured, lower);
            limit = lower;
        }
    }
}
