package io.enhance.worker.cli;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Collection;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import org.hibernate.Session;

import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * The jobs a batch holds besides those a run sends: made from images edited since, or no longer in the
 * folder. The batch ends with them too, so a run that follows it counts them.
 */
@ApplicationScoped
public class OtherJobs {

    private static final String COUNT = "select count(*) from jobs where batch_id = ? and not (job_id = any(?))";
    private static final int QUERY_TIMEOUT_SECONDS = 30;

    private final EntityManager entityManager;

    OtherJobs(EntityManager entityManager) {
        this.entityManager = entityManager;
    }

    /** How many jobs of {@code batch} are not among {@code sent}. */
    public long count(String batch, Collection<String> sent) {
        return QuarkusTransaction.requiringNew().call(() -> entityManager.unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement count = connection.prepareStatement(COUNT)) {
                count.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                count.setString(1, batch);
                count.setArray(2, connection.createArrayOf("text", sent.toArray()));
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        }));
    }
}
