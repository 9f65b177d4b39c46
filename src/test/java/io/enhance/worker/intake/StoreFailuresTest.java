package io.enhance.worker.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Which failures to store a message the database's state explains, so that they never count against the message. */
class StoreFailuresTest {

    @Test
    void takesARefusedWriteOrAFailingServerForAnOutageHoweverDeepItIsWrapped() {
        for (String sqlState : List.of("25006", "53100", "53200", "53300", "08006", "08001", "57P01", "57P03", "58030")) {
            RuntimeException wrapped = new IllegalStateException("transaction failed",
                    new RuntimeException(new SQLException("the database said no", sqlState)));

            assertThat(StoreFailures.outage(wrapped)).as(sqlState).hasValue("SQLSTATE " + sqlState + ": the database said no");
        }
    }

    @Test
    void leavesAFailureThatTheMessageMayHaveCausedToTheMessage() {
        for (String sqlState : List.of("P0001", "23505", "23514", "22P02", "40001")) {
            assertThat(StoreFailures.outage(new RuntimeException(new SQLException("refused", sqlState)))).as(sqlState).isEmpty();
        }
        assertThat(StoreFailures.outage(new IllegalStateException("a job taken by a request vanished"))).isEmpty();
    }

    @Test
    void tellsAReadOnlyDatabaseFromOtherOutages() {
        assertThat(StoreFailures.isReadOnly(new RuntimeException(new SQLException("read-only", "25006")))).isTrue();
        assertThat(StoreFailures.isReadOnly(new RuntimeException(new SQLException("disk full", "53100")))).isFalse();
    }
}
