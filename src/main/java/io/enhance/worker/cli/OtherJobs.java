package io.enhance.worker.cli;

import java.util.Collection;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.jobs.JobStore;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * The jobs a batch holds besides those a run sends: made from images edited since, or no longer in the
 * folder. The batch ends with them too, so a run that follows it counts them.
 */
@ApplicationScoped
public class OtherJobs {

    private final JobStore store;

    OtherJobs(JobStore store) {
        this.store = store;
    }

    /** How many jobs of {@code batch} are not among {@code sent}. */
    public long count(String batch, Collection<String> sent) {
        return QuarkusTransaction.requiringNew().call(() -> store.countOthersOfBatch(batch, sent));
    }
}
