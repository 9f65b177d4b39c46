package io.enhance.worker.jobs;

import java.time.Instant;

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
