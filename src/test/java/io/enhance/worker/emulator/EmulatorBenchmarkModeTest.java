package io.enhance.worker.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The switches that make the emulator a cheap upstream for benchmarks: a slot cap, cached outputs, its ledger. */
class EmulatorBenchmarkModeTest extends EmulatorTestSupport {

    @Test
    void aSlotCapOfTwoKeepsAThirdTaskCreatedUntilOneOfTheFirstTwoFinishes() {
        emulator.settings().setConcurrency(2).setMinLatencyMs(600).setMaxLatencyMs(600);
        List<String> ids = IntStream.range(0, 3)
                .mapToObj(i -> api.post(SUBMIT, input(pngUrl)).data().path("id").asText()).toList();

        // each task takes its slot on its own thread: wait for both, not for the first alone
        await().atMost(Duration.ofSeconds(5)).until(() -> status(ids.get(0)).equals("processing")
                && status(ids.get(1)).equals("processing"));
        assertThat(status(ids.get(2))).isEqualTo("created");
        JsonNode slots = api.get("/emulator/slots").json();
        assertThat(slots.path("running").asInt()).isEqualTo(2);
        assertThat(slots.path("waiting").asInt()).isEqualTo(1);

        api.awaitFinished(ids.get(0));
        JsonNode third = api.awaitFinished(ids.get(2));
        assertThat(third.path("status").asText()).isEqualTo("completed");
        // its latency runs from the slot it got, not from its submit
        assertThat(finishedAtMicros(ids.get(2)) - finishedAtMicros(ids.get(0))).isGreaterThanOrEqualTo(500_000);
        assertThat(api.get("/emulator/slots").json().path("running").asInt()).isZero();
    }

    @Test
    void countsBusySlotsOverTimeSoThatTwoReadingsGiveTheShareInUse() {
        emulator.settings().setConcurrency(4).setMinLatencyMs(1000).setMaxLatencyMs(1000);
        JsonNode before = api.get("/emulator/slots").json();
        String first = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();
        String second = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();
        api.awaitFinished(first);
        api.awaitFinished(second);
        JsonNode after = api.get("/emulator/slots").json();
        double share = (after.path("busy_slot_nanos").asDouble() - before.path("busy_slot_nanos").asDouble())
                / (after.path("nanos").asDouble() - before.path("nanos").asDouble()) / 4;
        // two of four slots, busy for (almost) the whole window between the readings
        assertThat(share).isBetween(0.35, 0.5);
    }

    @Test
    void cachedOutputsHaveTheSameBytesAsOutputsMadeAfresh() {
        byte[] fresh = syncOutput(input(pngUrl).put("seed", 7).put("output_format", "png"));
        emulator.settings().setCacheOutputs(true);
        byte[] first = syncOutput(input(pngUrl).put("seed", 7).put("output_format", "png"));
        byte[] cached = syncOutput(input(pngUrl).put("seed", 7).put("output_format", "png"));
        assertThat(first).isEqualTo(fresh);
        assertThat(cached).isEqualTo(fresh);
        assertThat(syncOutput(input(pngUrl).put("seed", 8).put("output_format", "png"))).isNotEqualTo(fresh);
    }

    @Test
    void withoutASeedACachedOutputIsMadeOnceAndAnsweredAgain() {
        byte[] unseeded = syncOutput(input(pngUrl).put("output_format", "png"));
        assertThat(syncOutput(input(pngUrl).put("output_format", "png"))).as("random seeds, no cache").isNotEqualTo(unseeded);
        emulator.settings().setCacheOutputs(true);
        byte[] first = syncOutput(input(pngUrl).put("output_format", "png"));
        assertThat(syncOutput(input(pngUrl).put("output_format", "png"))).isEqualTo(first);
    }

    @Test
    void itsLedgerTellsWhenEachPredictionFinishedAndHowOftenItWasPolled() {
        emulator.settings().setMinLatencyMs(0).setMaxLatencyMs(0);
        String id = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();
        api.awaitFinished(id);
        int pollsUntilFinished = ledgerItem(id).path("polls").asInt();
        api.get("/api/v3/predictions/" + id + "/result");
        JsonNode item = ledgerItem(id);
        assertThat(item.path("status").asText()).isEqualTo("completed");
        assertThat(pollsUntilFinished).isPositive();
        assertThat(item.path("polls").asInt()).isEqualTo(pollsUntilFinished + 1);
        assertThat(item.path("finished_at_us").asLong()).isGreaterThanOrEqualTo(item.path("created_at_us").asLong());
    }

    @Test
    void startedStandaloneWithoutAnIdleTimeoutItServesWithoutTheConnectionFront() {
        long relaysBefore = connectionThreads();
        try (WaveSpeedEmulator standalone = WaveSpeedEmulator.startStandalone(new EmulatorSettings().setApiKey(KEY)
                .setMinLatencyMs(0).setMaxLatencyMs(0))) {
            EmulatorClient client = new EmulatorClient(standalone.baseUrl(), KEY);
            String id = client.post(SUBMIT, input(pngUrl)).data().path("id").asText();
            assertThat(client.awaitFinished(id).path("status").asText()).isEqualTo("completed");
            assertThat(connectionThreads()).as("relay threads").isLessThanOrEqualTo(relaysBefore);
        }
    }

    private static long connectionThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("wavespeed-emulator-connection")).count();
    }

    private String status(String id) {
        return api.get("/api/v3/predictions/" + id + "/result").data().path("status").asText();
    }

    private long finishedAtMicros(String id) {
        return ledgerItem(id).path("finished_at_us").asLong();
    }

    private JsonNode ledgerItem(String id) {
        return StreamSupport.stream(api.get("/emulator/predictions").json().path("items").spliterator(), false)
                .filter(item -> item.path("id").asText().equals(id)).findFirst().orElseThrow();
    }
}
