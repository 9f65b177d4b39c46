package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.transaction.Transactional;

import io.enhance.worker.jobs.JobClaims;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The tier's images per minute, across all workers sharing the database, as an exact rolling window:
 * each submission claim counts its jobs in {@code submission_seconds} (one row per second) and claims
 * no more than fit beside those of the last {@link #WINDOW}, WaveSpeed's 60 s plus a second. A claim
 * only reserves: WaveSpeed counts a start when the POST reaches it, which for a burst can be many
 * seconds after the claim, so each answer moves its submission to the second it arrived in, no
 * earlier than WaveSpeed's own count, and a submit that created nothing (a 429, a refusal) leaves
 * the window. The limit itself is this worker's {@link LearnedRate}. The room is counted and spent
 * inside the submission claim, under its advisory lock, so that two workers cannot both spend it. Its
 * statements touch this table alone, so none makes Hibernate flush the jobs of the transaction first.
 */
@ApplicationScoped
public class SubmissionRate implements JobClaims.Rate {

    static final Duration WINDOW = Duration.ofSeconds(61);

    private final EntityManager entityManager;
    private final RecentSubmits recent;
    private final LearnedRate learned;

    @Inject
    SubmissionRate(EntityManager entityManager, TierLimits limits, RecentSubmits recent, MeterRegistry registry) {
        this(entityManager, limits, recent);
        Gauge.builder("enhance.submission.rate.limit", this, SubmissionRate::learnedLimit).baseUnit("submissions")
                .description("Submissions a minute all workers together may make, as this worker has learned it from 429s")
                .register(registry);
    }

    SubmissionRate(EntityManager entityManager, TierLimits limits, RecentSubmits recent) {
        this.entityManager = entityManager;
        this.recent = recent;
        this.learned = new LearnedRate(limits.imagesPerMinute());
    }

    /** The images per minute as learned from 429s, pauses aside. */
    int learnedLimit() {
        return learned.learned();
    }

    /** How many more submissions fit into the window at {@code now}. */
    @Override
    @Transactional(Transactional.TxType.MANDATORY)
    public int room(Instant now) {
        int limit = learned.limit(now);
        return limit == 0 ? 0 : (int) Math.max(0, limit - inWindow(now));
    }

    /** Counts {@code n} submissions at {@code now}, and forgets seconds the window has left behind. */
    @Override
    @Transactional(Transactional.TxType.MANDATORY)
    public void used(int n, Instant now) {
        if (n <= 0) {
            return;
        }
        add(n, now);
        entityManager.createNativeQuery("delete from submission_seconds where second <= ?1")
                .setFlushMode(FlushModeType.COMMIT).setParameter(1, windowStart(now)).executeUpdate();
    }

    /**
     * A submission claimed at {@code claimedAt} may have started a task, answered at {@code answeredAt}: it
     * counts from then, when WaveSpeed had counted it at the latest.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void started(Instant claimedAt, Instant answeredAt) {
        Instant from = claimedAt.truncatedTo(ChronoUnit.SECONDS);
        Instant to = answeredAt.truncatedTo(ChronoUnit.SECONDS);
        if (!to.isAfter(from)) {
            return;
        }
        entityManager.createNativeQuery("""
                insert into submission_seconds (second, submissions) values (?1, -1), (?2, 1)
                on conflict (second) do update set submissions = submission_seconds.submissions + excluded.submissions""")
                .setFlushMode(FlushModeType.COMMIT).setParameter(1, from).setParameter(2, to).executeUpdate();
    }

    /** A submission claimed at {@code claimedAt} provably started nothing: it leaves the window. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void notStarted(Instant claimedAt, Instant now) {
        if (claimedAt.truncatedTo(ChronoUnit.SECONDS).isAfter(windowStart(now))) {
            add(-1, claimedAt);
        }
    }

    /**
     * A submission claimed at {@code claimedAt} was answered 429 at {@code now}: it started nothing and
     * leaves the window, and the limit learns from it.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void rateLimited(Instant claimedAt, Optional<Duration> retryAfter, Instant now) {
        notStarted(claimedAt, now);
        learned.rateLimited(inWindow(now), recent.answered(LearnedRate.RECENT), recent.rateLimited(LearnedRate.RECENT),
                retryAfter, now);
    }

    private void add(int n, Instant at) {
        entityManager.createNativeQuery("""
                insert into submission_seconds (second, submissions) values (?1, ?2)
                on conflict (second) do update set submissions = submission_seconds.submissions + excluded.submissions""")
                .setFlushMode(FlushModeType.COMMIT).setParameter(1, at.truncatedTo(ChronoUnit.SECONDS)).setParameter(2, n).executeUpdate();
    }

    private long inWindow(Instant now) {
        return ((Number) entityManager.createNativeQuery(
                "select coalesce(sum(submissions), 0) from submission_seconds where second > ?1")
                .setFlushMode(FlushModeType.COMMIT).setParameter(1, windowStart(now)).getSingleResult()).longValue();
    }

    /**
     * Rows at or before this lie wholly outside the window: a row holds the second from its start, so one
     * that starts less than a second before the window's start still reaches into it.
     */
    private static Instant windowStart(Instant now) {
        return now.minus(WINDOW).minusSeconds(1);
    }
}
