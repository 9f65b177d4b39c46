package io.enhance.worker.runtime;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/**
 * The time every worker agrees on: PostgreSQL's clock, read through the local one plus an offset
 * measured now and then. Leases, due times and submission windows are compared across workers,
 * so a worker whose own clock runs ahead must not take jobs early or settle attempts too soon.
 */
@ApplicationScoped
public class DatabaseClock {

    private static final Logger LOG = Logger.getLogger(DatabaseClock.class);
    /** An offset this large is worth a word to the operator: NTP is probably broken on one side. */
    private static final Duration NOTABLE_SKEW = Duration.ofSeconds(2);
    /** Round trips per measurement. */
    private static final int PROBES = 3;

    private final DataSource dataSource;
    private volatile Clock local = Clock.systemUTC();
    private volatile Duration offset = Duration.ZERO;

    DatabaseClock(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The database's present moment. */
    public Instant now() {
        return local.instant().plus(offset);
    }

    void calibrateAtStart(@Observes StartupEvent event) {
        calibrate();
    }

    /** Measures the offset again (at start, then now and then: {@code maintenance.Sweeps}). */
    public void calibrate() {
        try (Connection connection = dataSource.getConnection(); Statement query = connection.createStatement()) {
            query.setQueryTimeout(5);
            // the quickest of a few round trips says the most: the least time for the answer to be late
            Duration measured = null;
            Duration quickest = null;
            for (int probe = 0; probe < PROBES; probe++) {
                Instant sent = local.instant();
                try (ResultSet row = query.executeQuery("select clock_timestamp()")) {
                    row.next();
                    Instant database = row.getTimestamp(1).toInstant();
                    Instant received = local.instant();
                    Duration roundTrip = Duration.between(sent, received);
                    if (quickest == null || roundTrip.compareTo(quickest) < 0) {
                        quickest = roundTrip;
                        // the database read its clock about halfway through the round trip
                        measured = Duration.between(sent.plus(roundTrip.dividedBy(2)), database);
                    }
                }
            }
            if (measured.abs().compareTo(NOTABLE_SKEW) > 0 && offset.minus(measured).abs().compareTo(NOTABLE_SKEW) > 0) {
                LOG.warnf("PostgreSQL's clock is %s ahead of this machine's (negative: behind); the worker goes by PostgreSQL's",
                        measured);
            }
            offset = measured;
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("Clock not calibrated against PostgreSQL, keeping the offset %s: %s", offset, e.toString());
        }
    }

    /** For tests: a local clock that runs wrong, as a badly synchronised machine's would. */
    void useLocalClock(Clock clock) {
        local = clock;
        calibrate();
    }
}
