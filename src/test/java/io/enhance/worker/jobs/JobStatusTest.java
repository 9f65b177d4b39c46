package io.enhance.worker.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;

class JobStatusTest {

    @Test
    void followsTheHappyPathFromQueuedToCompleted() {
        assertThat(JobStatus.QUEUED.canMoveTo(JobStatus.SUBMITTING)).isTrue();
        assertThat(JobStatus.SUBMITTING.canMoveTo(JobStatus.SUBMITTED)).isTrue();
        assertThat(JobStatus.SUBMITTED.canMoveTo(JobStatus.PROCESSING)).isTrue();
        assertThat(JobStatus.PROCESSING.canMoveTo(JobStatus.DELIVERING)).isTrue();
        assertThat(JobStatus.DELIVERING.canMoveTo(JobStatus.COMPLETED)).isTrue();
    }

    @Test
    void completedAndCancelledJobsMoveNoFurtherAndOnlyAnOperatorRetryLeavesFailed() {
        for (JobStatus next : JobStatus.values()) {
            assertThat(JobStatus.COMPLETED.canMoveTo(next)).isFalse();
            assertThat(JobStatus.CANCELLED.canMoveTo(next)).isFalse();
        }
        assertThat(EnumSet.allOf(JobStatus.class).stream().filter(JobStatus.FAILED::canMoveTo))
                .containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.DELIVERING);
        assertThat(EnumSet.allOf(JobStatus.class).stream().filter(JobStatus::isTerminal))
                .containsExactlyInAnyOrder(JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED);
    }

    @Test
    void onlyJobsNotYetSubmittedArePausedOrCancelledAtOnce() {
        assertThat(JobStatus.allowedBefore(JobStatus.PAUSED))
                .containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.HELD_BUDGET);
        assertThat(JobStatus.CANCELLABLE).containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.HELD_BUDGET, JobStatus.PAUSED,
                JobStatus.AWAITING_APPROVAL);
        assertThat(JobStatus.allowedBefore(JobStatus.CANCELLED))
                .containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.HELD_BUDGET, JobStatus.PAUSED,
                        JobStatus.AWAITING_APPROVAL, JobStatus.CANCELLING);
        assertThat(EnumSet.allOf(JobStatus.class).stream().filter(JobStatus.PAUSED::canMoveTo))
                .containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.CANCELLED, JobStatus.SUBMITTED);
    }

    @Test
    void aJobAwaitingApprovalIsOnlyQueuedByAnApprovalOrCancelledByARejection() {
        assertThat(EnumSet.allOf(JobStatus.class).stream().filter(JobStatus.AWAITING_APPROVAL::canMoveTo))
                .containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.CANCELLED);
        assertThat(JobStatus.allowedBefore(JobStatus.AWAITING_APPROVAL)).as("only intake stores a job so").isEmpty();
        assertThat(JobStatus.NOT_YET_PAID).contains(JobStatus.AWAITING_APPROVAL);
        assertThat(JobStatus.WAITING_TO_SUBMIT).doesNotContain(JobStatus.AWAITING_APPROVAL);
    }

    @Test
    void aTaskTheLastAttemptCreatedAfterAllIsBoundFromAnyStateWithoutOne() {
        assertThat(JobStatus.allowedBefore(JobStatus.SUBMITTED)).containsExactlyInAnyOrderElementsOf(JobStatus.AWAITING_TASK);
        assertThat(JobStatus.AWAITING_TASK).noneMatch(JobStatus::isTerminal);
    }

    @Test
    void aTrackedPredictionCannotBeSubmittedAgain() {
        for (JobStatus tracked : JobStatus.TRACKED) {
            assertThat(tracked.canMoveTo(JobStatus.QUEUED)).isFalse();
            assertThat(tracked.canMoveTo(JobStatus.SUBMITTING)).isFalse();
        }
        assertThat(JobStatus.DELIVERING.canMoveTo(JobStatus.SUBMITTING)).isFalse();
    }

    @Test
    void onlyAQueuedJobStartsASubmission() {
        assertThat(EnumSet.allOf(JobStatus.class).stream().filter(s -> s.canMoveTo(JobStatus.SUBMITTING)))
                .containsExactly(JobStatus.QUEUED);
    }

    @Test
    void anUncertainSubmissionIsSettledOnlyByAdoptingResubmittingOrFailing() {
        assertThat(JobStatus.SUBMITTING.canMoveTo(JobStatus.SUBMISSION_UNKNOWN)).isTrue();
        assertThat(EnumSet.allOf(JobStatus.class).stream().filter(JobStatus.SUBMISSION_UNKNOWN::canMoveTo))
                .containsExactlyInAnyOrder(JobStatus.SUBMITTED, JobStatus.QUEUED, JobStatus.FAILED);
        assertThat(EnumSet.allOf(JobStatus.class).stream().filter(s -> s.canMoveTo(JobStatus.SUBMISSION_UNKNOWN)))
                .containsExactly(JobStatus.SUBMITTING);
    }

    @Test
    void aJobHeldByTheBudgetGoesBackToTheQueueUnlessAnOperatorPausesOrCancelsIt() {
        assertThat(JobStatus.QUEUED.canMoveTo(JobStatus.HELD_BUDGET)).isTrue();
        assertThat(EnumSet.allOf(JobStatus.class).stream().filter(JobStatus.HELD_BUDGET::canMoveTo))
                .containsExactlyInAnyOrder(JobStatus.QUEUED, JobStatus.PAUSED, JobStatus.CANCELLED, JobStatus.SUBMITTED);
    }

    @Test
    void everyJobWaitingToSubmitIsOneAnOperatorsHoldMayPause() {
        // the set-based pause moves only what the table allows: a state it refused would never be paused
        assertThat(JobStatus.allowedBefore(JobStatus.PAUSED)).containsExactlyInAnyOrderElementsOf(JobStatus.WAITING_TO_SUBMIT);
        assertThat(JobStatus.allowedBefore(JobStatus.QUEUED)).contains(JobStatus.PAUSED);
    }

    @Test
    void aJobHoldsAnInFlightSlotFromItsSubmitUntilItsPredictionFinishes() {
        assertThat(JobStatus.IN_FLIGHT).containsExactlyInAnyOrder(JobStatus.SUBMITTING, JobStatus.SUBMISSION_UNKNOWN,
                JobStatus.SUBMITTED, JobStatus.PROCESSING, JobStatus.CANCELLING);
        assertThat(JobStatus.IN_FLIGHT).doesNotContainAnyElementsOf(JobStatus.CANCELLABLE);
    }

    @Test
    void aRunningTaskIsCancelledThroughCancellingWhichEndsCancelledOrDeliversATaskThatFinishedFirst() {
        assertThat(JobStatus.CANCELLED_UPSTREAM).containsExactlyInAnyOrderElementsOf(JobStatus.TRACKED);
        assertThat(EnumSet.allOf(JobStatus.class).stream().filter(JobStatus.CANCELLING::canMoveTo))
                .containsExactlyInAnyOrder(JobStatus.CANCELLED, JobStatus.DELIVERING);
        // a job whose submission is unanswered cannot be cancelled yet: its task, once known, is deleted
        assertThat(JobStatus.IN_FLIGHT_UNANSWERED).noneMatch(status -> status.canMoveTo(JobStatus.CANCELLED)
                || status.canMoveTo(JobStatus.CANCELLING));
        assertThat(JobStatus.CANCEL_PENDING).containsAll(JobStatus.IN_FLIGHT_UNANSWERED).contains(JobStatus.CANCELLING);
    }
}
