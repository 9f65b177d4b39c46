package io.enhance.worker.intake;

import java.sql.SQLException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Failures to store that the database's state explains, whatever the message held: it refuses writes
 * or connections. Told by their SQLSTATE, so that one the probe's small write does not meet (a full
 * disk refuses to extend the jobs table while the probe's row still fits its page) is an outage too.
 */
final class StoreFailures {

    /** A read-only transaction: a standby, or a primary set read-only. */
    private static final String READ_ONLY = "25006";
    /**
     * Connection exception (08), insufficient resources such as a full disk (53), operator intervention
     * such as a shutdown (57P), system error such as an I/O error (58).
     */
    private static final Set<String> OUTAGE_PREFIXES = Set.of("08", "53", "57P", "58", READ_ONLY);

    private StoreFailures() {
    }

    /** The SQLSTATE and message of the database error behind {@code failure}, if it is an outage. */
    static Optional<String> outage(Throwable failure) {
        return sqlError(failure)
                .filter(e -> OUTAGE_PREFIXES.stream().anyMatch(prefix -> e.getSQLState().startsWith(prefix)))
                .map(e -> "SQLSTATE " + e.getSQLState() + ": " + e.getMessage());
    }

    static boolean isReadOnly(Throwable failure) {
        return sqlError(failure).filter(e -> READ_ONLY.equals(e.getSQLState())).isPresent();
    }

    /** The first error with a SQLSTATE among {@code failure} and its causes. */
    private static Optional<SQLException> sqlError(Throwable failure) {
        Set<Throwable> seen = new HashSet<>();
        for (Throwable cause = failure; cause != null && seen.add(cause); cause = cause.getCause()) {
            if (cause instanceof SQLException e && e.getSQLState() != null) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
