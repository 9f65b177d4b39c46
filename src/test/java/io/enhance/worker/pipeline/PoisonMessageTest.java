package io.enhance.worker.pipeline;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.intake.JobRequestListener;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.testing.LogCapture;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.ChannelRegistry;

/**
 * A message whose handling fails every time (here a database trigger refuses its row) is tried up
 * to the delivery limit, then recorded as rejected with the error and dead-lettered; the worker
 * goes on with the other messages.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class PoisonMessageTest {

    private static final String IMAGE = "https://images.example.com/in.png";

    @Inject
    QueuesConfig queues;
    @Inject
    EntityManager entityManager;
    @Inject
    ChannelRegistry channels;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void poisonJobsWhoseIdStartsWithPoison() {
        QuarkusTransaction.requiringNew().run(() -> {
            entityManager.createNativeQuery("""
                    create or replace function refuse_poison() returns trigger language plpgsql as $$
                    begin
                        if new.job_id like 'poison-%' then raise exception 'poisoned row %', new.job_id; end if;
                        return new;
                    end $$""").executeUpdate();
            entityManager.createNativeQuery("""
                    create or replace trigger refuse_poison before insert on jobs
                    for each row execute function refuse_poison()""").executeUpdate();
        });
    }

    @AfterEach
    void removeThePoison() {
        QuarkusTransaction.requiringNew().run(() ->
                entityManager.createNativeQuery("drop trigger if exists refuse_poison on jobs").executeUpdate());
    }

    @Test
    void deadLettersAMessageThatFailsAtEveryDeliveryWithAReasonAndKeepsWorking() throws Exception {
        String poison = "poison-" + run;
        String good = "good-" + run;
        String source = EmbeddedServices.s3().putSource(run + ".png", TestImages.card(16, 16, 5));
        byte[] poisonBody = job(poison, source).bytes();
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), poisonBody);
            broker.publish(queues.requests(), job(good, source).bytes());

            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(poison).isEmpty()
                    && !broker.eventsFor(good).isEmpty());

            JsonNode rejection = broker.eventsFor(poison).get(0).data();
            assertThat(broker.eventsFor(poison)).hasSize(1).allMatch(e -> e.routingKey().equals("job.rejected"));
            assertThat(rejection.path("error").path("message").asText())
                    .startsWith("$: could not be stored after " + queues.deliveryLimit() + " attempts");
            assertThat(broker.eventsFor(good)).extracting(TestBroker.ReceivedEvent::routingKey)
                    .containsExactly("job.completed");
            List<byte[]> deadLettered = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                deadLettered.addAll(broker.drain(queues.deadLetter()));
                return deadLettered.stream().anyMatch(body -> java.util.Arrays.equals(body, poisonBody));
            });
        }
    }

    @Test
    void aPoisonMessageStoredInOneTransactionWithOthersFailsAloneAndTheOthersAreStoredAtOnce() throws Exception {
        String poison = "poison-batched-" + run;
        List<String> good = IntStream.range(0, 10).mapToObj(i -> "batched-" + run + "-" + i).toList();
        var intake = channels.getPausable(JobRequestListener.CHANNEL);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange()); LogCapture log = LogCapture.start()) {
            intake.pause(); // they wait in the queue together, so that they share a batch
            broker.publish(queues.requests(), job(poison, IMAGE).bytes());
            good.forEach(jobId -> broker.publish(queues.requests(), job(jobId, IMAGE).bytes()));
            intake.resume();

            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(poison).isEmpty());
            assertThat(QuarkusTransaction.requiringNew().call(() -> Job.count("jobId in ?1", good))).isEqualTo(good.size());
            // one failed attempt per delivery of the poison message before the last; none for the others
            assertThat(log.lines()).filteredOn(line -> line.startsWith("Request not stored (failed attempt"))
                    .hasSize(queues.deliveryLimit() - 1);
        }
    }
}
