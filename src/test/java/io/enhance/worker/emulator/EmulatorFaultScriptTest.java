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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

/** Scripted and random faults: what the client sees, and whether a paid task exists behind it. */
class EmulatorFaultScriptTest extends EmulatorTestSupport {

    private static final Duration PATIENT = Duration.ofSeconds(10);

    private final HttpClient raw = HttpClient.newHttpClient();

    @ParameterizedTest(name = "{0} answers {1} and leaves {2} task")
    @CsvSource({
        "ok, 200, 1",
        "429, 429, 0",
        "500, 500, 0",
        "502, 502, 0",
        "503, 503, 0",
        "504, 504, 0",
        "created+500, 500, 1",
        "created+502, 502, 1",
        "created+504, 504, 1"})
    void aScriptedSubmitAnswersItsStatusAndLeavesATaskOnlyWhenTheTokenCreatesOne(String token, int status, int tasks)
            throws Exception {
        emulator.settings().scriptSubmits(token);

        HttpResponse<String> answer = submit(PATIENT);

        assertThat(answer.statusCode()).isEqualTo(status);
        assertAnswerLooksLikeTheRealOne(answer);
        assertThat(emulator.submissions()).hasSize(tasks);
        assertThat(historyIds()).isEqualTo(ledgerIds());
    }

    @ParameterizedTest(name = "{0} leaves {1} task")
    @CsvSource({"drop, 0", "created+drop, 1"})
    void aDroppedSubmitAnswersNothingAndLeavesATaskOnlyWhenTheTokenCreatesOne(String token, int tasks) {
        emulator.settings().scriptSubmits(token);

        assertThatThrownBy(() -> submit(PATIENT)).isInstanceOf(IOException.class);

        assertThat(emulator.submissions()).hasSize(tasks);
        assertThat(historyIds()).isEqualTo(ledgerIds());
    }

    @Test
    void aCreatedButUnansweredSubmitStillRunsToCompletionAndSendsItsWebhook() throws Exception {
        emulator.settings().scriptSubmits("created+504");

        assertThat(submit(SUBMIT + "?webhook=" + encode(outside.url("/hook")), PATIENT).statusCode()).isEqualTo(504);

        JsonNode delivered = EmulatorClient.JSON.readTree(outside.nextHook(10_000).body());
        assertThat(delivered.path("id").asText()).isEqualTo(emulator.submissions().get(0).predictionId());
        assertThat(delivered.path("status").asText()).isEqualTo("completed");
    }

    @Test
    void aSlowSubmitCreatesItsTaskAndAnswersOnlyAfterAnImpatientClientGaveUp() {
        emulator.settings().setSlowResponseMs(3_000).scriptSubmits("slow");

        assertThatThrownBy(() -> submit(Duration.ofSeconds(1))).isInstanceOf(HttpTimeoutException.class);

        await().atMost(Duration.ofSeconds(5)).until(() -> emulator.submissions().size() == 1);
        assertThat(historyIds()).isEqualTo(ledgerIds());
    }

    @Test
    void aSlowSubmitGivesAPatientClientTheNormalAnswerOnceTheDelayIsOver() throws Exception {
        emulator.settings().setSlowResponseMs(1_500).scriptSubmits("slow");
        long started = System.nanoTime();

        HttpResponse<String> answer = submit(PATIENT);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1_500));
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(EmulatorClient.JSON.readTree(answer.body()).path("data").path("id").asText())
                .isEqualTo(emulator.submissions().get(0).predictionId());
    }

    @Test
    void closingTheEmulatorEndsASlowAnswerAtOnce() {
        emulator.settings().setSlowResponseMs(600_000).scriptSubmits("slow");
        CompletableFuture<HttpResponse<String>> answer = raw.sendAsync(submitRequest(SUBMIT, PATIENT),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> threadsHoldingASlowAnswer() == 1);

        emulator.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> threadsHoldingASlowAnswer() == 0 && answer.isDone());
        assertThat(answer).isCompletedExceptionally();
    }

    @Test
    void everySubmitAnswered503LeavesNoTaskWhateverTheScriptAndTheDiceDecide() throws Exception {
        emulator.settings().setRandomSeed(11).setRate429(0.2).setRate5xx(0.3).setDropRate(0.2)
                .scriptSubmits("503", "created+500", "503", "ok", "503", "created+504", "503", "created+drop", "503");
        int answered503 = 0;
        for (int i = 0; i < 30; i++) {
            int tasksBefore = emulator.submissions().size();
            int status;
            try {
                status = submit(PATIENT).statusCode();
            } catch (IOException dropped) {
                continue;
            }
            if (status == 503) {
                answered503++;
                assertThat(emulator.submissions()).as("tasks after the 503 of submit %d", i).hasSize(tasksBefore);
            }
        }

        assertThat(answered503).isEqualTo(5);
        assertThat(historyIds()).isEqualTo(ledgerIds());
    }

    @ParameterizedTest(name = "{0} answers {1}")
    @CsvSource({"ok, 200", "404, 404", "429, 429", "500, 500", "502, 502", "503, 503", "504, 504"})
    void aScriptedResultAnswersItsStatus(String token, int status) throws Exception {
        String result = resultOfANewPrediction();
        emulator.settings().scriptResults(token);

        HttpResponse<String> answer = get(result, PATIENT);

        assertThat(answer.statusCode()).isEqualTo(status);
        assertAnswerLooksLikeTheRealOne(answer);
        assertThat(get(result, PATIENT).statusCode()).as("script used up").isEqualTo(200);
    }

    @Test
    void aDroppedResultAnswersNothing() throws Exception {
        String result = resultOfANewPrediction();
        // twice: the JDK client quietly retries a GET once on a dropped connection
        emulator.settings().scriptResults("drop", "drop");

        assertThatThrownBy(() -> get(result, PATIENT)).isInstanceOf(IOException.class);
        assertThat(get(result, PATIENT).statusCode()).isEqualTo(200);
    }

    @Test
    void aSlowResultMakesAnImpatientClientGiveUpAndTheNextPollIsAnswered() throws Exception {
        String result = resultOfANewPrediction();
        emulator.settings().setSlowResponseMs(3_000).scriptResults("slow");

        assertThatThrownBy(() -> get(result, Duration.ofSeconds(1))).isInstanceOf(HttpTimeoutException.class);
        assertThat(get(result, PATIENT).statusCode()).isEqualTo(200);
    }

    @Test
    void scriptsPlayFirstInFirstOutAcrossCallsThenTheDiceDecideAgain() {
        emulator.settings().setRate429(1.0).scriptSubmits("503").scriptSubmits("ok", "created+500");

        assertThat(statusesOf(api, 4)).containsExactly(503, 200, 500, 429);
        assertThat(emulator.submissions()).hasSize(2);
    }

    @Test
    void clearedScriptsLeaveCallsToTheDice() throws Exception {
        emulator.settings().scriptSubmits("429").scriptResults("503").clearScripts();

        assertThat(submit(PATIENT).statusCode()).isEqualTo(200);
        assertThat(get("/api/v3/predictions/" + ledgerIds().get(0) + "/result", PATIENT).statusCode()).isEqualTo(200);
    }

    @Test
    void scriptedSubmitsStillRollTheDiceSoASeedReplaysTheSameFaultsAfterAScript() {
        emulator.settings().setRate429(0.5).setRandomSeed(7).scriptSubmits("503", "503", "503");
        List<Integer> scripted = statusesOf(api, 13);
        try (WaveSpeedEmulator twin = WaveSpeedEmulator.start(new EmulatorSettings().setApiKey(KEY)
                .setMinLatencyMs(0).setMaxLatencyMs(50).setRate429(0.5).setRandomSeed(7))) {
            List<Integer> unscripted = statusesOf(new EmulatorClient(twin.baseUrl(), KEY), 13);

            assertThat(scripted.subList(0, 3)).containsOnly(503);
            assertThat(scripted.subList(3, 13)).isEqualTo(unscripted.subList(3, 13)).contains(200, 429);
        }
    }

    @Test
    void refusesAnUnknownTokenNamingTheAllowedOnesAndQueuesNoneOfItsScript() throws Exception {
        assertThatThrownBy(() -> emulator.settings().scriptSubmits("429", "teapot"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown fault 'teapot'; expected one of " + InjectedFault.SUBMIT_TOKENS);
        assertThatThrownBy(() -> emulator.settings().scriptResults("created+500"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown fault 'created+500'; expected one of " + InjectedFault.RESULT_TOKENS);

        assertThat(submit(PATIENT).statusCode()).isEqualTo(200);
    }

    @Test
    void randomDropsWithAFixedSeedLeaveSomeTasksCreatedAndOthersNot() {
        emulator.settings().setRandomSeed(7).setDropRate(1.0);

        for (int i = 0; i < 40; i++) {
            assertThatThrownBy(() -> submit(PATIENT)).isInstanceOf(IOException.class);
        }

        assertThat(emulator.submissions()).hasSizeBetween(1, 39);
        assertThat(historyIds()).isEqualTo(ledgerIds());
    }

    @Test
    void randomServerErrorsWithAFixedSeedLeaveSomeTasksCreatedAndOthersNot() {
        emulator.settings().setRandomSeed(7).setRate5xx(1.0);

        assertThat(statusesOf(api, 40)).containsOnly(500);

        assertThat(emulator.submissions()).hasSizeBetween(1, 39);
        assertThat(historyIds()).isEqualTo(ledgerIds());
    }

    @Test
    void readsScriptsSlownessAndDropRateFromTheEnvironmentAndArguments() {
        EmulatorSettings settings = EmulatorSettings.fromEnvironment(Map.of("EMULATOR_SUBMIT_SCRIPT", "429, created+drop",
                "EMULATOR_RESULT_SCRIPT", "drop", "EMULATOR_SLOW_RESPONSE_MS", "2500"),
                new String[] {"--drop-rate=0.05", "--result-script=slow,504"});

        assertThat(settings.getSlowResponseMs()).isEqualTo(2500);
        assertThat(settings.getDropRate()).isEqualTo(0.05);
        assertThat(List.of(settings.nextScriptedSubmitFault().orElseThrow(), settings.nextScriptedSubmitFault().orElseThrow()))
                .containsExactly(InjectedFault.status(429, false), InjectedFault.dropped(true));
        assertThat(settings.nextScriptedSubmitFault()).isEmpty();
        assertThat(settings.nextScriptedResultFault()).get().matches(InjectedFault::slow);
        assertThat(settings.nextScriptedResultFault()).contains(InjectedFault.status(504, false));
        assertThat(settings.nextScriptedResultFault()).isEmpty();
    }

    @Test
    void defaultsToFifteenSecondSlowAnswersNoDropsAndTakesABlankScriptAsNone() {
        EmulatorSettings settings = EmulatorSettings.fromEnvironment(Map.of("EMULATOR_SUBMIT_SCRIPT", " "), new String[0]);

        assertThat(settings.getSlowResponseMs()).isEqualTo(15_000);
        assertThat(settings.getDropRate()).isZero();
        assertThat(settings.nextScriptedSubmitFault()).isEmpty();
    }

    @Test
    void refusesAnUnknownTokenInTheEnvironmentNamingTheVariable() {
        assertThatThrownBy(() -> EmulatorSettings.fromEnvironment(Map.of("EMULATOR_SUBMIT_SCRIPT", "ok,created+429"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid value for EMULATOR_SUBMIT_SCRIPT: unknown fault 'created+429'; expected one of [ok, 429");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--drop-rate=1.5", "--slow-response-ms=-1"})
    void refusesANewSettingOutOfRange(String argument) {
        assertThatThrownBy(() -> EmulatorSettings.fromEnvironment(Map.of(), new String[] {argument}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesTheNewSettingsInItsDescriptionButNeverTheApiKey() {
        String described = new EmulatorSettings().setApiKey("secret-key").setDropRate(0.25).setSlowResponseMs(700)
                .scriptSubmits("slow").toString();

        assertThat(described).contains("dropRate=0.25", "slowResponseMs=700", "scripted=1/0").doesNotContain("secret-key");
    }

    /** 502 and 504 come as a gateway's HTML page; every other answer is the JSON envelope with the same code. */
    private static void assertAnswerLooksLikeTheRealOne(HttpResponse<String> answer) throws IOException {
        int status = answer.statusCode();
        if (status == 502 || status == 504) {
            assertThat(answer.headers().firstValue("Content-Type")).contains("text/html");
            assertThat(answer.body()).startsWith("<html>").contains("<h1>" + status + " ");
            return;
        }
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(EmulatorClient.JSON.readTree(answer.body()).path("code").asInt()).isEqualTo(status);
    }

    private String resultOfANewPrediction() {
        return "/api/v3/predictions/" + api.post(SUBMIT, input(pngUrl)).data().path("id").asText() + "/result";
    }

    private static List<Integer> statusesOf(EmulatorClient client, int submits) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < submits; i++) {
            statuses.add(client.post(SUBMIT, input(pngUrl)).status());
        }
        return statuses;
    }

    private HttpResponse<String> submit(Duration timeout) throws IOException, InterruptedException {
        return submit(SUBMIT, timeout);
    }

    private HttpResponse<String> submit(String path, Duration timeout) throws IOException, InterruptedException {
        return raw.send(submitRequest(path, timeout), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest submitRequest(String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(emulator.baseUrl() + path)).timeout(timeout)
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(input(pngUrl).toString())).build();
    }

    private HttpResponse<String> get(String path, Duration timeout) throws IOException, InterruptedException {
        return raw.send(HttpRequest.newBuilder(URI.create(emulator.baseUrl() + path)).timeout(timeout)
                .header("Authorization", "Bearer " + KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> ledgerIds() {
        return emulator.submissions().stream().map(ReceivedSubmission::predictionId).sorted().toList();
    }

    /** What a client settling an unanswered submit would find: {@code POST /api/v3/predictions}. */
    private List<String> historyIds() {
        JsonNode items = api.post("/api/v3/predictions", "{\"page_size\":100}").data().path("items");
        return StreamSupport.stream(items.spliterator(), false).map(item -> item.path("id").asText()).sorted().toList();
    }

    private static long threadsHoldingASlowAnswer() {
        return Thread.getAllStackTraces().values().stream()
                .filter(frames -> Arrays.stream(frames).anyMatch(frame -> frame.getMethodName().equals("answerLateIf")
                        && frame.getClassName().equals(PredictionEndpoints.class.getName())))
                .count();
    }
}
