package io.enhance.worker.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** One recorded state change of a job. */
@Entity
@Table(name = "job_transitions")
public class JobTransition extends PanacheEntityBase {

    @Id
    @GeneratedValue(generator = "job_transitions_seq")
    @SequenceGenerator(name = "job_transitions_seq", sequenceName = "job_transitions_seq", allocationSize = 50)
    public Long id;

    public Long job;
    public String fromStatus;
    public String toStatus;
    public Instant at;
    public String detail;

    /**
     * When the job's current run of submission attempts began: its first attempt since it was accepted,
     * released from a budget hold or an operator's pause, retried by an operator, or paused by a
     * refused account (deliberate waits, not failed attempts).
     */
    public static Optional<Instant> firstAttemptSinceRelease(Job job) {
        Instant first = getEntityManager().createQuery("select min(t.at) from JobTransition t where t.job = ?1"
                + " and t.toStatus = ?2 and not exists (select 1 from JobTransition w where w.job = ?1 and w.at > t.at"
                + " and (w.fromStatus in ?3 or w.detail like ?4))", Instant.class)
                .setParameter(1, job.id).setParameter(2, JobStatus.SUBMITTING.name())
                .setParameter(3, List.of(JobStatus.HELD_BUDGET.name(), JobStatus.PAUSED.name(), JobStatus.FAILED.name())).setParameter(4, Job.ACCOUNT_PAUSE + "%")
                .getSingleResult();
        return Optional.ofNullable(first);
    }

    static JobTransition of(Job job, JobStatus from, JobStatus to, Instant at, String detail) {
        JobTransition transition = new JobTransition();
        transition.job = job.id;
        transition.fromStatus = from == null ? null : from.name();
        transition.toStatus = to.name();
        transition.at = at;
        transition.detail = detail;
        return transition;
    }
}
