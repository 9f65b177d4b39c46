package io.enhance.worker.submission;

import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.annotations.Mutability;
import org.hibernate.type.SqlTypes;
import org.hibernate.type.descriptor.java.Immutability;

import io.enhance.worker.jobs.StoredOutput;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/**
 * A task that may be the one an undecided job's unanswered attempt created: listed in the attempt's time,
 * owned by no job, not told apart by content. Its outputs are kept in S3, for an operator to compare with
 * the job's source and, if it is the job's, to assign without paying again.
 */
@Entity
@Table(name = "submission_candidates")
@IdClass(SubmissionCandidate.Key.class)
public class SubmissionCandidate extends PanacheEntityBase {

    @Id
    public Long job;
    @Id
    public String predictionId;
    /** On WaveSpeed's clock, as its history lists it. */
    public Instant createdAt;
    public String status;
    /** How much its first output looks like the job's source ({@link ImageLikeness}), null if unknown. */
    public Double likeness;

    /** The copies of its outputs, empty when they could not be kept. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Mutability(Immutability.class)
    public List<StoredOutput> keptOutputs;

    public static List<SubmissionCandidate> of(long job) {
        return list("job = ?1 order by createdAt", job);
    }

    /** The composite key: a job and a prediction. */
    public static class Key implements Serializable {

        public Long job;
        public String predictionId;

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && Objects.equals(job, key.job) && Objects.equals(predictionId, key.predictionId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(job, predictionId);
        }
    }
}
