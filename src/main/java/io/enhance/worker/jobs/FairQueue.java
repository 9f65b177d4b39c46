package io.enhance.worker.jobs;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/**
 * The turn-taking of batches within a priority (start-time fair queueing). A job's rank is its
 * place in its batch's sequence, and a batch's sequence never starts behind the rank most recently
 * submitted: ordered by rank, a 10-image batch published during a 50,000-image one goes out
 * alongside it, a job of each in turn, instead of after it.
 */
@ApplicationScoped
public class FairQueue {

    private final EntityManager entityManager;

    FairQueue(EntityManager entityManager) {
        this.entityManager = entityManager;
    }

    /** Reserves {@code count} consecutive ranks for new jobs of batch {@code batchKey} ("" for none); returns the first. */
    @Transactional(Transactional.TxType.MANDATORY)
    public long reserve(String batchKey, int count) {
        return ((Number) entityManager.createNativeQuery("""
                insert into batch_ranks as b (batch_key, next_rank)
                values (?1, (select virtual_time from fair_queue_clock) + ?2)
                on conflict (batch_key) do update
                    set next_rank = greatest(b.next_rank, (select virtual_time from fair_queue_clock)) + ?2
                returning next_rank - ?2""")
                .setParameter(1, batchKey)
                .setParameter(2, (long) count)
                .getSingleResult()).longValue();
    }

    /** Moves the clock to the highest rank just handed out for submission. */
    @Transactional(Transactional.TxType.MANDATORY)
    void submitted(long rank) {
        entityManager.createNativeQuery("update fair_queue_clock set virtual_time = greatest(virtual_time, ?1)")
                .setParameter(1, rank)
                .executeUpdate();
    }
}
