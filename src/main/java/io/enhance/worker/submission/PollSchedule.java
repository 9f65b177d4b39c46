package io.enhance.worker.submission;

import java.time.Duration;

import io.enhance.worker.jobs.Job;

/**
 * When a job's new prediction is polled: all the timing submission asks of tracking, which implements it
 * (so that submission imports nothing of tracking).
 */
public interface PollSchedule {

    /** From an accepted submit to the first poll. */
    Duration firstPollDelay(Job job);

    /** From now to the next poll, as for a prediction already followed: for one a tagged webhook found. */
    Duration nextPollDelay(Job job);
}
