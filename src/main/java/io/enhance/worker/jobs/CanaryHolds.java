package io.enhance.worker.jobs;

/**
 * A batch with a canary: intake stores its jobs as {@link JobStatus#AWAITING_APPROVAL} until an operator
 * decides, and its first jobs (in arrival order) are released from there as the canary. The statements
 * are {@link JobStore}'s; the decisions are {@code batches.Canaries}'.
 */
public final class CanaryHolds {

    /** The transition details of a job held for the decision, released as the canary, and released by approval. */
    public static final String HELD = "awaiting approval of the canary of its batch";
    public static final String RELEASED = "released as one of the batch's canary";
    public static final String APPROVED = "canary approved by operator";

    private CanaryHolds() {
    }
}
