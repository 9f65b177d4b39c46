package io.enhance.worker.maintenance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.hibernate.query.NativeQuery;
import org.junit.jupiter.api.Test;

import io.enhance.worker.intake.JobIntake;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Rows past their retention go, in batches; younger, unsent, unapplied and unfinished ones stay. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class PurgeExpiredRowsTest {

    private static final Instant NOW = Instant.now();
    private static final Instant LONG_AGO = NOW.minus(Duration.ofDays(40));
    /** Negative: ids the application's sequences never hand out. */
    private static final AtomicLong NEXT_ID = new AtomicLong(-ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50));

    @Inject
    PurgeExpiredRows purge;

    @Inject
    JobIntake intake;

    @Inject
    EntityManager entityManager;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void deletesRowsPastTheirRetentionAndKeepsYoungerUnsentAndUnfinishedOnes() {
        QuarkusTransaction.requiringNew().run(() -> {
            delivery("applied-long-ago", LONG_AGO, LONG_AGO);
            delivery("applied-an-hour-ago", LONG_AGO, NOW.minus(Duration.ofHours(1)));
            delivery("not-applied", LONG_AGO, null);
            // more than one purge batch (1,000 rows) of expired sent events
            sql("""
                    insert into outbox_events (id, routing_key, subject, payload, created_at, sent_at)
                    select gen_random_uuid(), 'retention.test', ?1, '{}', ?2, ?2 from generate_series(1, 2500)""",
                    "sent-long-ago-" + run, LONG_AGO);
            event("sent-a-day-ago", NOW.minus(Duration.ofDays(1)));
            event("not-sent", null);
            job("finished-long-ago", "COMPLETED", LONG_AGO.plus(Duration.ofHours(1)));
            job("finished-a-week-ago", "FAILED", NOW.minus(Duration.ofDays(7)));
            job("never-finished", "PROCESSING", null);
            rejected("rejected-long-ago", LONG_AGO);
            rejected("rejected-a-week-ago", NOW.minus(Duration.ofDays(7)));
            session("expired-a-minute-ago", NOW.minus(Duration.ofMinutes(1)));
            session("expires-in-an-hour", NOW.plus(Duration.ofHours(1)));
        });

        purge.purgeExpired();

        assertThat(count("webhook_deliveries where webhook_id like ?1")).as("webhook deliveries").isEqualTo(2);
        assertThat(count("webhook_deliveries where webhook_id = ?1", "applied-long-ago-" + run)).isZero();
        assertThat(count("outbox_events where subject like ?1")).as("outbox events").isEqualTo(2);
        assertThat(count("outbox_events where subject = ?1", "sent-long-ago-" + run)).isZero();
        assertThat(count("job_transitions t join jobs j on j.id = t.job where j.job_id like ?1")).as("transitions")
                .isEqualTo(4);
        assertThat(count("job_transitions t join jobs j on j.id = t.job where j.job_id = ?1",
                "finished-long-ago-" + run)).isZero();
        assertThat(count("jobs where job_id like ?1")).as("jobs themselves are kept").isEqualTo(3);
        assertThat(count("rejected_messages where job_id like ?1")).as("rejected messages").isEqualTo(1);
        assertThat(count("rejected_messages where job_id = ?1", "rejected-a-week-ago-" + run)).isOne();
        assertThat(count("dashboard_sessions where id_sha256 like ?1")).as("dashboard sessions").isEqualTo(1);
        assertThat(count("dashboard_sessions where id_sha256 = ?1", "expires-in-an-hour-" + run)).isOne();
    }

    @Test
    void keepsTheFirst64KiBOfARejectedMessageWithTheSizeAndHashOfTheWhole() {
        byte[] oversized = new byte[300_000];
        Arrays.fill(oversized, (byte) 'x');
        byte[] marker = run.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(marker, 0, oversized, 0, marker.length);

        assertThat(intake.accept(oversized, "oversized-" + run, false).outcome()).isEqualTo(JobIntake.Outcome.REJECTED);

        Object[] kept = QuarkusTransaction.requiringNew().call(() -> (Object[]) entityManager.createNativeQuery(
                "select body, body_size from rejected_messages where body_sha256 = ?1")
                .setParameter(1, TestImages.sha256(oversized)).getSingleResult());
        assertThat((byte[]) kept[0]).hasSize(64 * 1024).isEqualTo(Arrays.copyOf(oversized, 64 * 1024));
        assertThat(((Number) kept[1]).longValue()).isEqualTo(300_000);
    }

    private void delivery(String name, Instant received, Instant applied) {
        sql("""
                insert into webhook_deliveries (webhook_id, webhook_timestamp, prediction_id, body, received_at, applied_at)
                values (?1, 0, 'none', '{}', ?2, ?3)""", name + "-" + run, received, applied);
    }

    /** Under a routing key no test consumer binds: the relay publishes the unsent one like any other. */
    private void event(String name, Instant sent) {
        sql("""
                insert into outbox_events (id, routing_key, subject, payload, created_at, sent_at)
                values (gen_random_uuid(), 'retention.test', ?1, '{}', ?2, ?3)""", name + "-" + run, LONG_AGO, sent);
    }

    /** A job created long ago with two transitions, finished at {@code finished} (null: still running). */
    private void job(String name, String status, Instant finished) {
        long id = NEXT_ID.decrementAndGet();
        sql("""
                insert into jobs (id, job_id, status, input, output_bucket, created_at, updated_at, finished_at)
                values (?1, ?2, ?3, '{}', 'enhanced', ?4, ?4, ?5)""", id, name + "-" + run, status, LONG_AGO, finished);
        Instant last = finished == null ? LONG_AGO : finished;
        sql("insert into job_transitions (id, job, from_status, to_status, at) values (?1, ?2, null, 'QUEUED', ?3)",
                NEXT_ID.decrementAndGet(), id, LONG_AGO);
        sql("insert into job_transitions (id, job, from_status, to_status, at) values (?1, ?2, 'QUEUED', ?3, ?4)",
                NEXT_ID.decrementAndGet(), id, status, last);
    }

    private void rejected(String name, Instant received) {
        sql("""
                insert into rejected_messages (id, job_id, body, body_size, body_sha256, problems, received_at)
                values (gen_random_uuid(), ?1, '\\x00', 1, '', '[]', ?2)""", name + "-" + run, received);
    }

    private void session(String name, Instant expires) {
        sql("""
                insert into dashboard_sessions (id_sha256, csrf_token, created_at, expires_at)
                values (?1, 'csrf', ?2, ?3)""", name + "-" + run, expires.minus(Duration.ofHours(12)), expires);
    }

    private void sql(String statement, Object... parameters) {
        NativeQuery<?> query = entityManager.createNativeQuery(statement).unwrap(NativeQuery.class);
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i] == null) {
                query.setParameter(i + 1, null, Instant.class); // every null here is a time not reached
            } else {
                query.setParameter(i + 1, parameters[i]);
            }
        }
        query.executeUpdate();
    }

    /** Rows of {@code from} (a table and condition) matching {@code ?1}: this run's rows, unless given. */
    private long count(String from, Object... match) {
        Object parameter = match.length == 0 ? "%-" + run : match[0];
        return QuarkusTransaction.requiringNew().call(() -> ((Number) entityManager
                .createNativeQuery("select count(*) from " + from).setParameter(1, parameter).getSingleResult())
                .longValue());
    }
}
