package io.enhance.worker.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Scripted and random faults: what the client sees, and whether a paid task exists behind it. */
class EmulatorFaultScriptTest extends EmulatorTestSupport {

    private final HttpClient raw = HttpClient.newHttpClient();

    @Test
    void scriptedSubmitErrorsAnswerTheirStatusAndCreateATaskOnlyWhenTheTokenSaysCreated() throws Exception {
        Map<String, Integer> expected = Map.of("429", 429, "500", 500, "502", 502, "503", 503, "504", 504,
                "created+500", 500, "created+502", 502, "created+504", 504);
        for (Map.Entry<String, Integer> token : expected.entrySet()) {
            int before = emulator.predictionCount();
            emulator.settings().scriptSubmits(token.getKey());

            HttpResponse<String> answer = submit(raw, Duration.ofSeconds(10));

            assertThat(answer.statusCode()).as(token.getKey()).isEqualTo(token.getValue());
            boolean gateway = token.getValue() == 502 || token.getValue() == 504;
            assertThat(answer.headers().firstValue("Content-Type")).as(token.getKey())
                    .contains(gateway ? "text/html" : "application/json");
            int created = token.getKey().startsWith("created+") ? 1 : 0;
            assertThat(emulator.predictionCount() - before).as(token.getKey()).isEqualTo(created);
        }
        assertThat(historySize()).isEqualTo(3);
        assertThat(submit(raw, Duration.ofSeconds(10)).statusCode()).as("script used up").isEqualTo(200);
    }

    @Test
    void aDroppedSubmitAnswersNothingAndItsTaskExistsOnlyWhenScriptedCreated() throws Exception {
        emulator.settings().scriptSubmits("drop", "created+drop");

        assertThatThrownBy(() -> submit(raw, Duration.ofSeconds(10))).isInstanceOf(IOException.class);
        assertThat(emulator.predictionCount()).isZero();
        assertThatThrownBy(() -> submit(raw, Duration.ofSeconds(10))).isInstanceOf(IOException.class);
        assertThat(emulator.submissions()).hasSize(1);
        assertThat(api.awaitFinished(emulator.submissions().get(0).predictionId()).path("status").asText())
                .isEqualTo("completed");
    }

    @Test
    void aSlowSubmitCreatesItsTaskAndAnswersOnlyAfterAnImpatientClientGaveUp() {
        emulator.settings().setSlowResponseMs(3_000).scriptSubmits("slow");

        assertThatThrownBy(() -> submit(raw, Duration.ofSeconds(1))).isInstanceOf(HttpTimeoutException.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> emulator.predictionCount() == 1);
        assertThat(historySize()).isEqualTo(1);
    }

    @Test
    void scriptedResultFaultsPlayInOrderBeforeTheRealAnswer() throws Exception {
        String id = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();
        // two drops: the JDK client quietly retries a GET once on a dropped connection
        emulator.settings().scriptResults("503", "429", "502", "drop", "drop");
        String result = "/api/v3/predictions/" + id + "/result";

        assertThat(api.get(result).status()).isEqualTo(503);
        assertThat(api.get(result).status()).isEqualTo(429);
        assertThat(get(result).statusCode()).isEqualTo(502);
        assertThatThrownBy(() -> get(result)).isInstanceOf(IOException.class);
        assertThat(api.get(result).data().path("id").asText()).isEqualTo(id);
    }

    @Test
    void refusesAnUnknownTokenNamingTheAllowedOnesAndQueuesNoneOfItsScript() throws Exception {
        assertThatThrownBy(() -> emulator.settings().scriptSubmits("429", "teapot"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("teapot").hasMessageContaining("created+drop");
        assertThatThrownBy(() -> emulator.settings().scriptResults("created+500"))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(submit(raw, Duration.ofSeconds(10)).statusCode()).isEqualTo(200);
    }

    @Test
    void randomDropsLeaveSomeTasksCreatedAndOthersNot() {
        emulator.settings().setDropRate(1.0);
        for (int i = 0; i < 40; i++) {
            assertThatThrownBy(() -> submit(raw, Duration.ofSeconds(10))).isInstanceOf(IOException.class);
        }
        assertThat(emulator.predictionCount()).isBetween(1, 39);
    }

    @Test
    void readsScriptsSlownessAndDropRateFromTheEnvironment() {
        EmulatorSettings settings = EmulatorSettings.fromEnvironment(Map.of("EMULATOR_SUBMIT_SCRIPT", "429, created+drop",
                "EMULATOR_RESULT_SCRIPT", "slow", "EMULATOR_SLOW_RESPONSE_MS", "2500"), new String[] {"--drop-rate=0.05"});

        assertThat(settings.getSlowResponseMs()).isEqualTo(2500);
        assertThat(settings.getDropRate()).isEqualTo(0.05);
        assertThat(List.of(settings.nextScriptedSubmitFault().orElseThrow(), settings.nextScriptedSubmitFault().orElseThrow()))
                .containsExactly(InjectedFault.status(429, false), InjectedFault.dropped(true));
        assertThat(settings.nextScriptedSubmitFault()).isEmpty();
        assertThat(settings.nextScriptedResultFault()).get().matches(InjectedFault::slow);
    }

    private HttpResponse<String> submit(HttpClient client, Duration timeout) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(emulator.baseUrl() + SUBMIT)).timeout(timeout)
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(input(pngUrl).toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return raw.send(HttpRequest.newBuilder(URI.create(emulator.baseUrl() + path))
                .header("Authorization", "Bearer " + KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private int historySize() {
        return api.post("/api/v3/predictions", "{\"page_size\":100}").data().path("items").size();
    }
}
