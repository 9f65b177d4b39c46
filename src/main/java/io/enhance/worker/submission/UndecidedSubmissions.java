package io.enhance.worker.submission;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import io.enhance.worker.batches.JobActionResult;
import io.enhance.worker.batches.JobActionResult.Result;
import io.enhance.worker.delivery.ImageCopies;
import io.enhance.worker.jobs.BoundPrediction;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.SpendingCaps;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.runtime.DatabaseClock;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Jobs whose unanswered submit settlement could not decide ({@code submission_outcome_unknown}): the
 * candidate tasks kept for each, and an operator's assignment of one of them, which delivers its kept
 * outputs as the job's own without paying again.
 */
@ApplicationScoped
public class UndecidedSubmissions {

    static final String UNDECIDED = "submission_outcome_unknown";

    private final DatabaseClock clock;
    private final SpendingCaps caps;
    private final Event<CandidateAssigned> assigned;
    private final JobStore store;

    UndecidedSubmissions(DatabaseClock clock, SpendingCaps caps, Event<CandidateAssigned> assigned, JobStore store) {
        this.store = store;
        this.clock = clock;
        this.caps = caps;
        this.assigned = assigned;
    }

    /** The candidate tasks kept for {@code jobId}, oldest first; empty for an unknown job. */
    public List<SubmissionCandidate> candidates(String jobId) {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId)
                .map(job -> SubmissionCandidate.of(job.id)).orElse(List.of()));
    }

    /** Kept output {@code index} of candidate {@code predictionId} of {@code jobId}, if there is one. */
    public Optional<StoredOutput> keptOutput(String jobId, String predictionId, int index) {
        return candidates(jobId).stream().filter(candidate -> candidate.predictionId.equals(predictionId)).findFirst()
                .filter(candidate -> index >= 0 && index < candidate.keptOutputs.size())
                .map(candidate -> candidate.keptOutputs.get(index));
    }

    /**
     * Assigns candidate task {@code predictionId} to the undecided job {@code jobId}: it is delivered from
     * the kept copies of the task's outputs, recorded as a transition, and nothing is submitted or paid again.
     */
    public JobActionResult assign(String jobId, String predictionId) {
        JobActionResult result = QuarkusTransaction.requiringNew().call(() -> {
            Optional<Job> found = store.lockByJobId(jobId);
            if (found.isEmpty()) {
                return new JobActionResult(jobId, Result.NOT_FOUND, null, "no job " + jobId);
            }
            Job job = found.get();
            if (job.status != JobStatus.FAILED || !UNDECIDED.equals(job.errorCode)) {
                return new JobActionResult(jobId, Result.REFUSED, job.status, "only a job failed as " + UNDECIDED
                        + " takes a candidate task");
            }
            Optional<SubmissionCandidate> candidate = SubmissionCandidate.of(job.id).stream()
                    .filter(c -> c.predictionId.equals(predictionId)).findFirst();
            if (candidate.isEmpty()) {
                return new JobActionResult(jobId, Result.REFUSED, job.status, "prediction " + predictionId
                        + " is not one of this job's candidate tasks");
            }
            if (candidate.get().keptOutputs.isEmpty()) {
                return new JobActionResult(jobId, Result.REFUSED, job.status, "prediction " + predictionId
                        + " has no kept outputs to deliver");
            }
            if (BoundPrediction.findByIdOptional(predictionId).isPresent()) {
                return new JobActionResult(jobId, Result.REFUSED, job.status, "prediction " + predictionId
                        + " already belongs to a job");
            }
            job.candidateAssigned(predictionId, candidate.get().keptOutputs.stream().map(ImageCopies::location).toList(),
                    caps.price(), clock.now());
            return new JobActionResult(jobId, Result.ASSIGNED, job.status, "prediction " + predictionId
                    + " assigned: its kept outputs are delivered as this job's, nothing is paid again");
        });
        if (result.result() == Result.ASSIGNED) {
            assigned.fire(new CandidateAssigned(jobId));
        }
        return result;
    }
}
