package io.enhance.worker.submission;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import io.enhance.worker.jobs.JobClaims;

/**
 * The tier's images per minute, across all workers sharing the database: submissions are counted per
 * minute in {@code submission_minutes}, and the last 60 s are estimated as the current minute plus the
 * previous one weighted by how much of it is still inside them (a sliding window). Used only inside the
 * submission claim, which holds the advisory lock, so two workers cannot both spend the same room.
 */
@ApplicationScoped
public class SubmissionRate implements JobClaims.Rate {

    private static final long MINUTE_MILLIS = Duration.ofMinutes(1).toMillis();

    private final EntityManager entityManager;
    private final int perMinute;

    SubmissionRate(EntityManager entityManager, TierLimits limits) {
        this.entityManager = entityManager;
        this.perMinute = limits.imagesPerMinute();
    }

    /** How many more submissions fit into the last 60 s at {@code now}. */
    @Override
    @Transactional(Transactional.TxType.MANDATORY)
    public int room(Instant now) {
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        Object[] counts = (Object[]) entityManager.createNativeQuery("""
                select coalesce(sum(submissions) filter (where minute = ?1), 0),
                       coalesce(sum(submissions) filter (where minute = ?2), 0)
                from submission_minutes where minute >= ?2""")
                .setParameter(1, minute).setParameter(2, minute.minus(1, ChronoUnit.MINUTES)).getSingleResult();
        return room(perMinute, ((Number) counts[0]).longValue(), ((Number) counts[1]).longValue(),
                Duration.between(minute, now).toMillis());
    }

    /** Counts {@code n} submissions at {@code now}, and forgets minutes the window has left behind. */
    @Override
    @Transactional(Transactional.TxType.MANDATORY)
    public void used(int n, Instant now) {
        if (n <= 0) {
            return;
        }
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        entityManager.createNativeQuery("""
                insert into submission_minutes (minute, submissions) values (?1, ?2)
                on conflict (minute) do update set submissions = submission_minutes.submissions + excluded.submissions""")
                .setParameter(1, minute).setParameter(2, n).executeUpdate();
        entityManager.createNativeQuery("delete from submission_minutes where minute < ?1")
                .setParameter(1, minute.minus(1, ChronoUnit.MINUTES)).executeUpdate();
    }

    /** The sliding-window estimate of the last 60 s, {@code intoMinute} ms into the current minute, taken from the limit. */
    static int room(int perMinute, long current, long previous, long intoMinute) {
        double lastSixtySeconds = current + previous * (MINUTE_MILLIS - intoMinute) / (double) MINUTE_MILLIS;
        return (int) Math.max(0, Math.floor(perMinute - lastSixtySeconds));
    }
}
