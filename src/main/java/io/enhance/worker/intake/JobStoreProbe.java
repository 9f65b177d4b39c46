package io.enhance.worker.intake;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Whether jobs can be stored right now: reads the jobs table the way intake does, in the schema
 * every connection uses. A reachable database whose jobs table is missing or forbidden is not enough.
 */
@ApplicationScoped
public class JobStoreProbe {

    /** A probe must answer quickly; getting a connection is bounded by the pool's acquisition timeout. */
    private static final int QUERY_TIMEOUT_SECONDS = 3;

    private final DataSource dataSource;

    JobStoreProbe(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Why jobs cannot be stored now, or empty if they can. */
    public Optional<String> problem() {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            statement.executeQuery("select id from jobs limit 1").close();
            statement.executeQuery("select id from intake_failures limit 1").close();
            return Optional.empty();
        } catch (SQLException | RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }
}
