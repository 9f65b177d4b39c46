package io.enhance.worker.wavespeed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.StubWaveSpeed;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The client against stubs that answer with the documented JSON shapes, not with our own records. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class WaveSpeedClientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Map<String, Object> PARAMETERS = Map.of("prompt", "restore", "image", "https://x.test/a.png");

    @Inject
    WaveSpeedConfig config;
    @Inject
    ObjectMapper json;

    private StubWaveSpeed stub;

    @BeforeEach
    void startStub() throws Exception {
        stub = new StubWaveSpeed();
    }

    @AfterEach
    void stopStub() {
        stub.close();
    }

    @Test
    void submitsToTheModelPathWithTheBearerKeyAndReadsTheCreatedPrediction() throws Exception {
        stub.answer(200, "submit-created.json");

        SubmitOutcome outcome = clientFor(stub.baseUri()).submit(PARAMETERS, null).await().atMost(WAIT);

        assertThat(outcome).isInstanceOf(SubmitOutcome.Accepted.class);
        Prediction prediction = ((SubmitOutcome.Accepted) outcome).prediction();
        assertThat(prediction.id()).isEqualTo("5d1f0c2a9b8e4f7d8c6b5a4e3d2c1b0a");
        assertThat(prediction.status()).isEqualTo("created");
        assertThat(prediction.completed() || prediction.failed()).isFalse();
        StubWaveSpeed.Received request = stub.received().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/v3/wavespeed-ai/flux-1-srpo/image-to-image");
        assertThat(request.query()).isNull();
        assertThat(request.authorization()).isEqualTo("Bearer " + EmbeddedServices.API_KEY);
        assertThat(json.readTree(request.body()).path("prompt").asText()).isEqualTo("restore");
    }

    @Test
    void readsOutputsNsfwFlagsAndInferenceTimeOfACompletedResult() throws Exception {
        stub.answer(200, "result-completed.json");

        PollOutcome outcome = clientFor(stub.baseUri()).result("5d1f0c2a9b8e4f7d8c6b5a4e3d2c1b0a").await().atMost(WAIT);

        Prediction prediction = ((PollOutcome.Found) outcome).prediction();
        assertThat(prediction.completed()).isTrue();
        assertThat(prediction.outputs()).containsExactly(
                "https://d1q70pf5vjeyhc.cloudfront.net/predictions/5d1f0c2a9b8e4f7d8c6b5a4e3d2c1b0a/1.jpeg");
        assertThat(prediction.hasNsfwContents()).containsExactly(false);
        assertThat(prediction.inferenceMs()).isEqualTo(4810L);
        assertThat(stub.received().get(0).path()).isEqualTo("/api/v3/predictions/5d1f0c2a9b8e4f7d8c6b5a4e3d2c1b0a/result");
    }

    @Test
    void toleratesNullNsfwFlagsMissingTimingsAndUnknownFields() throws Exception {
        stub.answer(200, "result-completed-lenient.json");

        Prediction prediction = ((PollOutcome.Found) clientFor(stub.baseUri()).result("9a8b").await().atMost(WAIT))
                .prediction();

        assertThat(prediction.completed()).isTrue();
        assertThat(prediction.hasNsfwContents()).isEmpty();
        assertThat(prediction.inferenceMs()).isNull();
    }

    @Test
    void readsAFailedPredictionWithItsError() throws Exception {
        stub.answer(200, "result-failed.json");

        Prediction prediction = ((PollOutcome.Found) clientFor(stub.baseUri()).result("5d1f").await().atMost(WAIT))
                .prediction();

        assertThat(prediction.failed()).isTrue();
        assertThat(prediction.error()).isEqualTo("image could not be downloaded");
    }

    @Test
    void treatsASyncModeTimeoutAsAcceptedAndStillRunning() throws Exception {
        stub.answer(200, "sync-timeout.json");

        Prediction prediction = ((SubmitOutcome.Accepted) clientFor(stub.baseUri()).submit(PARAMETERS, null)
                .await().atMost(WAIT)).prediction();

        assertThat(prediction.code()).isEqualTo(Prediction.SYNC_TIMEOUT_CODE);
        assertThat(prediction.processing()).isTrue();
        assertThat(prediction.completed() || prediction.failed()).isFalse();
    }

    @Test
    void classifiesAParameterErrorAsInvalidWithTheApiMessage() throws Exception {
        stub.answer(400, "error-400.json");

        SubmitOutcome outcome = clientFor(stub.baseUri()).submit(PARAMETERS, null).await().atMost(WAIT);

        assertThat(outcome).isEqualTo(new SubmitOutcome.Invalid("strength must be between 0 and 1"));
    }

    @Test
    void classifiesRateLimitsAndUnavailabilityAsNotCreatedAndOnlyA429AsRateLimited() throws Exception {
        for (var answer : Map.of(429, "error-429.json", 503, "error-429.json").entrySet()) {
            stub.answer(answer.getKey(), answer.getValue()).withHeaders(Map.of("Retry-After", "3"));
            assertThat(clientFor(stub.baseUri()).submit(PARAMETERS, null).await().atMost(WAIT))
                    .as("HTTP %d", answer.getKey()).isInstanceOfSatisfying(SubmitOutcome.NotCreated.class,
                            notCreated -> assertThat(notCreated.rateLimited()).isEqualTo(answer.getKey() == 429));
        }
    }

    @Test
    void honoursRetryAfterInSecondsOrAsADate() throws Exception {
        stub.answer(429, "error-429.json").withHeaders(Map.of("Retry-After", "7"));
        SubmitOutcome outcome = clientFor(stub.baseUri()).submit(PARAMETERS, null).await().atMost(WAIT);
        assertThat(((SubmitOutcome.NotCreated) outcome).retryAfter()).contains(Duration.ofSeconds(7));

        String inTwoMinutes = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusMinutes(2));
        stub.answer(503, "error-429.json").withHeaders(Map.of("Retry-After", inTwoMinutes));
        outcome = clientFor(stub.baseUri()).submit(PARAMETERS, null).await().atMost(WAIT);
        assertThat(((SubmitOutcome.NotCreated) outcome).retryAfter()).get()
                .matches(d -> d.compareTo(Duration.ofSeconds(100)) > 0 && d.compareTo(Duration.ofSeconds(121)) < 0);
    }

    @Test
    void classifiesARefusedKeyPaymentOrBalanceAsAccountRefused() throws Exception {
        stub.answer(401, "error-401.json");
        assertThat(clientFor(stub.baseUri()).submit(PARAMETERS, null).await().atMost(WAIT))
                .isEqualTo(new SubmitOutcome.AccountRefused("account refused (401): Invalid API key"));

        for (var answer : Map.of("error-balance.json", 400, "error-balance-code.json", 400, "error-402.json", 402,
                "error-403.json", 403).entrySet()) {
            stub.answer(answer.getValue(), answer.getKey());
            assertThat(clientFor(stub.baseUri()).submit(PARAMETERS, null).await().atMost(WAIT))
                    .as(answer.getKey()).isInstanceOf(SubmitOutcome.AccountRefused.class);
        }
    }

    @Test
    void classifiesAParameterErrorThatQuotesAPromptMentioningCreditAsInvalidNotAsARefusedAccount() throws Exception {
        stub.answer(400, "error-400-quoting-credit.json");

        SubmitOutcome outcome = clientFor(stub.baseUri()).submit(PARAMETERS, null).await().atMost(WAIT);

        assertThat(outcome).isInstanceOf(SubmitOutcome.Invalid.class);
        assertThat(((SubmitOutcome.Invalid) outcome).message()).contains("credit union");
    }

    @Test
    void classifiesServerErrorsAfterTheRequestWasSentAsUnknown() throws Exception {
        stub.answer(502, "gateway-502.html");

        SubmitOutcome outcome = clientFor(stub.baseUri()).submit(PARAMETERS, null).await().atMost(WAIT);

        assertThat(outcome).isInstanceOf(SubmitOutcome.Unknown.class);
        assertThat(((SubmitOutcome.Unknown) outcome).reason()).contains("HTTP 502").contains("502 Bad Gateway");
    }

    @Test
    void classifiesAnUnreachableServerAsNotCreated() throws Exception {
        URI closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        assertThat(clientFor(closedPort).submit(PARAMETERS, null).await().atMost(WAIT))
                .isInstanceOf(SubmitOutcome.NotCreated.class);
    }

    @Test
    void classifiesAnUnknownPredictionAsNotFoundAndServerErrorsAsUnavailable() throws Exception {
        stub.answer(404, "error-404.json");
        assertThat(clientFor(stub.baseUri()).result("nope").await().atMost(WAIT))
                .isEqualTo(new PollOutcome.NotFound("Prediction not found"));

        stub.answer(502, "gateway-502.html");
        assertThat(clientFor(stub.baseUri()).result("nope").await().atMost(WAIT))
                .isInstanceOf(PollOutcome.Unavailable.class);
    }

    @Test
    void deletesTasksInOneBatchCallWithTheBearerKeyAndReadsHowManyWereKnown() throws Exception {
        stub.answer(200, "delete-batch.json");

        DeleteOutcome outcome = clientFor(stub.baseUri()).delete(List.of("a1", "b2", "unknown")).await().atMost(WAIT);

        assertThat(outcome).isEqualTo(new DeleteOutcome.Deleted(2));
        StubWaveSpeed.Received request = stub.received().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/v3/predictions/delete");
        assertThat(request.authorization()).isEqualTo("Bearer " + EmbeddedServices.API_KEY);
        assertThat(json.readTree(request.body())).isEqualTo(json.readTree("{\"ids\":[\"a1\",\"b2\",\"unknown\"]}"));
    }

    @Test
    void aRefusedOrFailedDeleteIsNotDeletedWithItsReasonAndNeverTheKey() throws Exception {
        for (var answer : Map.of(401, "error-401.json", 403, "error-403.json", 429, "error-429.json", 502, "gateway-502.html")
                .entrySet()) {
            stub.answer(answer.getKey(), answer.getValue());

            DeleteOutcome outcome = clientFor(stub.baseUri()).delete(List.of("a1")).await().atMost(WAIT);

            assertThat(outcome).as("HTTP %d", answer.getKey()).isInstanceOfSatisfying(DeleteOutcome.NotDeleted.class,
                    notDeleted -> assertThat(notDeleted.reason()).contains("HTTP " + answer.getKey())
                            .doesNotContain(EmbeddedServices.API_KEY));
        }
        URI closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
        assertThat(clientFor(closedPort).delete(List.of("a1")).await().atMost(WAIT)).isInstanceOf(DeleteOutcome.NotDeleted.class);
    }

    @Test
    void searchesTheHistoryOfAWindowWidenedToWholeSecondsAndReadsWhatEachTaskShows() throws Exception {
        stub.answer(200, "history-page.json");
        Instant after = Instant.parse("2025-11-03T09:10:00.250Z");

        History history = clientFor(stub.baseUri()).history(after, after.plusSeconds(300)).await().atMost(WAIT);

        assertThat(history.complete()).isTrue();
        assertThat(history.entries()).extracting(Prediction::id)
                .containsExactly("7e2a4c1f0b9d8e6a5c3b2a1f0e9d8c7b", "5d1f0c2a9b8e4f7d8c6b5a4e3d2c1b0a");
        assertThat(history.entries()).extracting(Prediction::createdAt).containsExactly(
                Instant.parse("2025-11-03T09:12:47.000000001Z"), Instant.parse("2025-11-03T09:12:45.123456789Z"));
        assertThat(history.entries().get(1).completed()).isTrue();
        assertThat(history.entries().get(1).outputs()).singleElement().asString().endsWith("/1.jpeg");
        StubWaveSpeed.Received request = stub.received().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/api/v3/predictions");
        assertThat(json.readTree(request.body())).isEqualTo(json.readTree("{\"page\":1,\"page_size\":100,"
                + "\"model\":\"wavespeed-ai/flux-1-srpo/image-to-image\",\"created_after\":\"2025-11-03T09:10:00Z\","
                + "\"created_before\":\"2025-11-03T09:15:01Z\"}"));
    }

    @Test
    void aHistoryErrorFailsInsteadOfLookingLikeAnEmptyHistory() throws Exception {
        for (var answer : Map.of(502, "gateway-502.html", 429, "error-429.json", 401, "error-401.json").entrySet()) {
            stub.answer(answer.getKey(), answer.getValue());
            Instant now = Instant.now();

            assertThatThrownBy(() -> clientFor(stub.baseUri()).history(now.minusSeconds(60), now).await().atMost(WAIT))
                    .as("HTTP %d", answer.getKey()).isNotNull();
        }
    }

    private WaveSpeedClient clientFor(URI baseUri) {
        return new WaveSpeedClient(QuarkusRestClientBuilder.newBuilder().baseUri(baseUri).build(WaveSpeedApi.class),
                config, json);
    }
}
