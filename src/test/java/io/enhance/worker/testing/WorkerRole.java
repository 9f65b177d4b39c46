package io.enhance.worker.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL role that a worker logs in as, owning the worker's schema, so that a test can have
 * the shared server refuse that worker's writes (SQLSTATE 25006) while it still answers its reads,
 * without touching anybody else's sessions: the role's sessions start read-only.
 */
public final class WorkerRole implements AutoCloseable {

    private final String name;
    private final Connection admin;

    private WorkerRole(String name, Connection admin) {
        this.name = name;
        this.admin = admin;
    }

    /** A new role {@code <schema>_worker} that owns {@code schema}, which must not exist yet. */
    public static WorkerRole owning(String schema) throws SQLException {
        WorkerRole role = new WorkerRole(schema + "_worker", DriverManager.getConnection(PackagedWorkerRig.DB_URL));
        role.drop(); // a run that was killed may have left it
        role.run("create role " + role.name + " login");
        role.run("create schema " + schema + " authorization " + role.name);
        return role;
    }

    /** For {@code QUARKUS_DATASOURCE_USERNAME}. */
    public String name() {
        return name;
    }

    /** From now on the role's sessions are read-only; the open ones are ended, so that the worker reconnects to that. */
    public void refuseWrites() throws SQLException {
        run("alter role " + name + " set default_transaction_read_only = on");
        endSessions();
    }

    /**
     * New sessions take writes again; the open ones stay read-only, as connections to a server that
     * was failed over from do, until the worker replaces them.
     */
    public void acceptWrites() throws SQLException {
        run("alter role " + name + " reset default_transaction_read_only");
    }

    private void endSessions() throws SQLException {
        try (Statement statement = admin.createStatement()) {
            statement.executeQuery("select pg_terminate_backend(pid) from pg_stat_activity where usename = '" + name + "'")
                    .close();
        }
    }

    private void drop() throws SQLException {
        if (admin.createStatement().executeQuery("select 1 from pg_roles where rolname = '" + name + "'").next()) {
            endSessions();
            run("drop owned by " + name + " cascade");
            run("drop role " + name);
        }
    }

    private void run(String sql) throws SQLException {
        try (Statement statement = admin.createStatement()) {
            statement.execute(sql);
        }
    }

    /** Ends the role's sessions (its workers have stopped), then drops it with its schema. */
    @Override
    public void close() throws SQLException {
        try (admin) {
            drop();
        }
    }
}
