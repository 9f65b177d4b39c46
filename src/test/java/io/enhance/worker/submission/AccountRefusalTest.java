package io.enhance.worker.submission;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobTransition;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A refused API key stops submissions without failing a job; health says why; work resumes on its own.
 * A 400 that merely mentions credit is one job's parameter error, not a refused account.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class AccountRefusalTest {

    private static final int JOBS = 5;

    @Inject
    QueuesConfig queues;

    @Test
    void pausesWhileTheKeyIsRefusedFailsNothingAndCompletesEverythingOnceItIsAcceptedAgain() throws Exception {
        String batch = "refused-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 5));
        EmbeddedServices.emulator().settings().setApiKey("a-key-the-worker-does-not-have");
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < JOBS; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> get("/q/health/ready").statusCode() == 503);
            assertThat(get("/q/health/ready").asString()).contains("wavespeed-account").contains("account refused (401)");
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() ->
                    jobs(batch).size() == JOBS && jobs(batch).stream().allMatch(j -> j.status == JobStatus.QUEUED));
            assertThat(broker.events()).noneMatch(e -> e.data().path("batch_id").asText().equals(batch));

            EmbeddedServices.emulator().settings().setApiKey(EmbeddedServices.API_KEY);

            await().atMost(Duration.ofSeconds(60)).until(() -> broker.events().stream()
                    .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() == JOBS);
            assertThat(broker.events().stream().filter(e -> e.data().path("batch_id").asText().equals(batch)))
                    .allMatch(e -> e.routingKey().equals("job.completed"));
            assertThat(get("/q/health/ready").statusCode()).isEqualTo(200);
        } finally {
            EmbeddedServices.emulator().settings().setApiKey(EmbeddedServices.API_KEY);
        }
    }

    @Test
    void failsOnlyTheJobWhoseParameterErrorQuotesAPromptAboutCreditAndKeepsSubmittingTheOthers() throws Exception {
        String batch = "quoting-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 6));
        String quoting = batch + "/too-long";
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(quoting, source).batch(batch)
                    .input("prompt", "Insufficient credit history shown on a faded bank letter, " + "sharp ".repeat(400))
                    .bytes());
            for (int i = 0; i < JOBS; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }

            await().atMost(Duration.ofSeconds(40)).until(() -> broker.events().stream()
                    .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() == JOBS + 1);
            assertThat(broker.eventsFor(quoting).get(0).routingKey()).isEqualTo("job.failed");
            assertThat(broker.eventsFor(quoting).get(0).data().path("error").path("code").asText())
                    .isEqualTo("invalid_parameters");
            assertThat(broker.events().stream().filter(e -> e.data().path("batch_id").asText().equals(batch)
                    && !e.event().path("subject").asText().equals(quoting))).hasSize(JOBS)
                    .allMatch(e -> e.routingKey().equals("job.completed"));
            assertThat(get("/q/health/ready").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void failsAloneAndForFreeTheJobWhoseOwnRequestIsRefusedWhileTheBalanceCallAcceptsTheAccount() throws Exception {
        String batch = "forbidden-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 7));
        String forbidden = batch + "/forbidden";
        EmbeddedServices.emulator().settings().setRefusedPrompt("not for this account");
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(forbidden, source).batch(batch).input("prompt", "not for this account").bytes());
            for (int i = 0; i < JOBS; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }

            await().atMost(Duration.ofSeconds(40)).until(() -> broker.events().stream()
                    .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() == JOBS + 1);
            assertThat(broker.eventsFor(forbidden)).singleElement().satisfies(event -> {
                assertThat(event.routingKey()).isEqualTo("job.failed");
                assertThat(event.data().path("error").path("code").asText()).isEqualTo("submission_refused");
            });
            assertThat(broker.events().stream().filter(e -> e.data().path("batch_id").asText().equals(batch)
                    && !e.event().path("subject").asText().equals(forbidden))).hasSize(JOBS)
                    .allMatch(e -> e.routingKey().equals("job.completed"));
        } finally {
            EmbeddedServices.emulator().settings().setRefusedPrompt(null);
        }
        Job refused = jobs(batch).stream().filter(j -> j.jobId.equals(forbidden)).findFirst().orElseThrow();
        assertThat(refused.spendUsd).as("a refused request costs nothing").isZero();
        assertThat(refused.retryKind(Instant.now())).isEqualTo(Job.RetryKind.FREE);
        assertThat(QuarkusTransaction.requiringNew().call(() -> JobTransition.count(
                "job in (select j.id from Job j where j.batchId = ?1) and detail like 'account paused:%'", batch)))
                .as("no submission of the batch waited for the account").isZero();
        assertThat(get("/q/health/ready").statusCode()).isEqualTo(200);
    }

    private static List<Job> jobs(String batch) {
        return QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batch));
    }
}
