package io.enhance.worker.jobs;

import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/**
 * A prediction that was bound to a job, kept for good: after an operator's pay-again retry the job
 * follows a new task, but the old one stays its own, so that settlement never hands it to another job.
 */
@Entity
@Table(name = "bound_predictions")
public class BoundPrediction extends PanacheEntityBase {

    @Id
    public String predictionId;
    public Long job;
    public int attempt;
    public Instant boundAt;

    static void record(Job job, String predictionId, Instant now) {
        BoundPrediction bound = new BoundPrediction();
        bound.predictionId = predictionId;
        bound.job = job.id;
        bound.attempt = job.attempts;
        bound.boundAt = now;
        bound.persist();
    }

    /** Those of {@code predictionIds} that belong, or belonged, to a job. */
    public static Set<String> amongst(Collection<String> predictionIds) {
        if (predictionIds.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(getEntityManager()
                .createQuery("select b.predictionId from BoundPrediction b where b.predictionId in :ids", String.class)
                .setParameter("ids", predictionIds).getResultList());
    }
}
