package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A submit's answer is the only proof of which task it created: when the database refuses to take it
 * (here a trigger refuses every write of a prediction id for a few seconds, as a failing disk or a
 * failover would), the answer is kept and written again, and the job goes on without settlement.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class AnswerWriteBackTest {

    private static final int JOBS = 3;

    @Inject
    QueuesConfig queues;

    private final String batch = "writeback-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void acceptWritesAgain() {
        sql("drop trigger if exists refuse_answers on jobs");
    }

    @Test
    void keepsASubmitAnswerTheDatabaseRefusedAndWritesItOnceItCan() throws Exception {
        refuseAnswersOfTheBatchFor(Duration.ofSeconds(4));

        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < JOBS; i++) {
                String source = EmbeddedServices.s3().putSource(batch + "/" + i + ".png", TestImages.photo(16, 16, i));
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }
            await().atMost(Duration.ofSeconds(40)).until(() -> broker.events().stream()
                    .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() == JOBS);
            assertThat(broker.events().stream().filter(e -> e.data().path("batch_id").asText().equals(batch)))
                    .allMatch(e -> e.routingKey().equals("job.completed"));
        }

        assertThat(refusals()).as("answers the database refused").isGreaterThanOrEqualTo(JOBS);
        List<JobTransition> steps = QuarkusTransaction.requiringNew().call(() -> JobTransition.<JobTransition> list(
                "job in (select j.id from Job j where j.batchId = ?1)", batch));
        assertThat(steps).as("no answer was lost to settlement").noneMatch(step -> step.toStatus.equals("SUBMISSION_UNKNOWN"));
        assertThat(steps.stream().filter(step -> step.toStatus.equals("SUBMITTED")))
                .hasSize(JOBS).allMatch(step -> step.detail.startsWith("created prediction"));
        for (int i = 0; i < JOBS; i++) {
            String prompt = "enhance " + batch + "/" + i;
            assertThat(EmbeddedServices.emulator().submissions().stream()
                    .filter(s -> s.body().path("prompt").asText().equals(prompt))).as(prompt).hasSize(1);
        }
    }

    /** Until {@code period} has passed, every write that gives a job of this batch its prediction fails. */
    private void refuseAnswersOfTheBatchFor(Duration period) {
        sql("create sequence if not exists refused_answers");
        sql("""
                create or replace function refuse_answers() returns trigger language plpgsql as $$
                begin
                  if new.prediction_id is not null and old.prediction_id is null and new.batch_id = '%s'
                     and clock_timestamp() < timestamptz '%s' then
                    perform nextval('refused_answers');
                    raise exception 'the test refuses this write';
                  end if;
                  return new;
                end $$""".formatted(batch, Instant.now().plus(period)));
        sql("create trigger refuse_answers before update on jobs for each row execute function refuse_answers()");
    }

    private static long refusals() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) Job.getEntityManager()
                .createNativeQuery("select last_value from refused_answers").getSingleResult()).longValue());
    }

    private static void sql(String statement) {
        QuarkusTransaction.requiringNew().run(() -> Job.getEntityManager().createNativeQuery(statement).executeUpdate());
    }
}
