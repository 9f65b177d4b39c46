package io.enhance.worker.intake;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.agroal.api.AgroalDataSource;
import io.enhance.worker.jobs.JobStore;

/**
 * Whether jobs can be stored right now: reads the jobs table the way intake does, in the schema
 * every connection uses, and writes the one row of {@code job_store_probe}. A reachable database
 * whose jobs table is missing or forbidden, or that answers reads but refuses writes (read-only
 * after a failover), is not enough.
 */
@ApplicationScoped
public class JobStoreProbe {

    /** A probe must answer quickly; getting a connection is bounded by the pool's acquisition timeout. */
    private static final int QUERY_TIMEOUT_SECONDS = 3;

    private final AgroalDataSource dataSource;

    JobStoreProbe(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Why jobs cannot be stored now, or empty if they can. */
    public Optional<String> problem() {
        try (Connection connection = dataSource.getConnection()) {
            probe(connection);
            return Optional.empty();
        } catch (SQLException | RuntimeException e) {
            if (StoreFailures.isReadOnly(e)) {
                // a session opened while the database was read-only stays so: none may outlive the outage
                reconnect();
            }
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }

    /**
     * Replaces every pooled connection (an idle one now, one in use when it is handed back), so that
     * none opened during an outage, read-only or to a server since failed over, is used after it.
     */
    public void reconnect() {
        dataSource.flush(AgroalDataSource.FlushMode.GRACEFUL);
    }

    private static void probe(Connection connection) throws SQLException {
        connection.setAutoCommit(false); // the pool restores it when the connection is handed back
        try (Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            statement.execute("set local synchronous_commit = off"); // a probe's commit need not wait for the disk
            JobStore.probe(statement);
            statement.executeQuery("select id from intake_failures limit 1").close();
            statement.executeUpdate("""
                    insert into job_store_probe (id, probed_at) values (1, now())
                    on conflict (id) do update set probed_at = excluded.probed_at""");
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException connectionLost) {
                e.addSuppressed(connectionLost);
            }
            throw e;
        }
    }
}
