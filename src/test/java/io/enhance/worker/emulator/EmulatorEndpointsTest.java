package io.enhance.worker.emulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The rest of the API surface: delete, uploads, account calls, routing errors, retries and replayable faults. */
class EmulatorEndpointsTest extends EmulatorTestSupport {

    @Test
    void replaysTheSameFaultSequenceForTheSameRandomSeed() {
        emulator.settings().setRate429(0.5).setRandomSeed(7);
        List<Integer> first = new ArrayList<>();
        List<Integer> second = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            first.add(api.post(SUBMIT, "not json").status());
        }
        try (WaveSpeedEmulator twin = WaveSpeedEmulator.start(new EmulatorSettings().setApiKey(KEY).setRate429(0.5).setRandomSeed(7))) {
            EmulatorClient twinApi = new EmulatorClient(twin.baseUrl(), KEY);
            for (int i = 0; i < 12; i++) {
                second.add(twinApi.post(SUBMIT, "not json").status());
            }
        }
        assertEquals(first, second);
        assertTrue(first.contains(429) && first.contains(400), first.toString());
    }

    @Test
    void retriesAFailingWebhookWithTheSameIdUntilItIsAccepted() throws InterruptedException {
        outside.failNextHooks(2);
        api.post(SUBMIT + "?webhook=" + encode(outside.url("/hook")), input(pngUrl));
        List<TestInputServer.Hook> attempts = List.of(outside.nextHook(10_000), outside.nextHook(10_000), outside.nextHook(10_000));
        assertEquals(1, attempts.stream().map(TestInputServer.Hook::id).distinct().count());
        assertNotNull(attempts.get(2).signature());
        assertEquals(0, outside.pendingHooks());
    }

    @Test
    void deletesARunningPredictionButKeepsAFinishedOnesOutputsAsDocumented() {
        emulator.settings().setMinLatencyMs(60_000).setMaxLatencyMs(60_000);
        String running = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();
        emulator.settings().setMinLatencyMs(0).setMaxLatencyMs(0);
        JsonNode data = api.post(SUBMIT, input(pngUrl).put("enable_sync_mode", true)).data();
        String finished = data.path("id").asText();

        EmulatorClient.Reply deleted = api.post("/api/v3/predictions/delete",
                "{\"ids\":[\"" + running + "\",\"" + finished + "\",\"unknown\"]}");

        assertEquals(2, deleted.data().path("deleted_count").asInt());
        EmulatorClient.Reply gone = api.get("/api/v3/predictions/" + running + "/result");
        assertEquals(404, gone.status());
        assertEquals("Prediction not found", gone.json().path("message").asText());
        // "a completed task's outputs stay until the 7-day retention ends": readable by id, no longer listed
        assertEquals("completed", api.get("/api/v3/predictions/" + finished + "/result").data().path("status").asText());
        assertEquals(200, api.download(data.path("outputs").get(0).asText()).statusCode());
        assertEquals(0, api.post("/api/v3/predictions", "{\"page\":1,\"page_size\":10}").data().path("total").asInt());
        assertEquals(2, emulator.predictionCount());
    }

    @Test
    void deletesOnePredictionByIdAndAnswers404ForAnUnknownOne() {
        String id = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();
        EmulatorClient.Reply deleted = api.delete("/api/v3/predictions/" + id);
        assertEquals(200, deleted.status());
        assertEquals(id, deleted.data().path("id").asText());
        assertEquals("deleted", deleted.data().path("status").asText());
        assertEquals(404, api.get("/api/v3/predictions/" + id + "/result").status());
        assertEquals(404, api.delete("/api/v3/predictions/" + id).status());
        assertEquals(401, api.withKey("wrong").delete("/api/v3/predictions/" + id).status());
    }

    @Test
    void recordsEachDeleteWithTheStateEveryTaskWasInWhenItArrived() {
        emulator.settings().setMinLatencyMs(60_000).setMaxLatencyMs(60_000);
        String running = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();
        emulator.settings().setMinLatencyMs(0).setMaxLatencyMs(0);
        String finished = api.post(SUBMIT, input(pngUrl).put("enable_sync_mode", true)).data().path("id").asText();

        api.post("/api/v3/predictions/delete", "{\"ids\":[\"" + running + "\",\"" + finished + "\",\"nope\"]}");

        ReceivedDelete call = emulator.deletes().get(0);
        assertEquals(List.of(new ReceivedDelete.Task(running, "created"), new ReceivedDelete.Task(finished, "completed"),
                new ReceivedDelete.Task("nope", "unknown")), call.tasks());
        JsonNode ledger = api.get("/emulator/deletes").json().path("calls").get(0);
        assertEquals("created", ledger.path("tasks").get(0).path("status").asText());
        assertEquals("unknown", ledger.path("tasks").get(2).path("status").asText());
    }

    @Test
    void finishesATaskWhileItsDeleteIsInFlightWhenTheFaultIsOnAndKeepsItsOutputs() throws Exception {
        emulator.settings().setMinLatencyMs(60_000).setMaxLatencyMs(60_000).setFinishOnDelete(true);
        String id = api.post(SUBMIT + "?webhook=" + encode(outside.url("/hook")), input(pngUrl)).data().path("id").asText();

        EmulatorClient.Reply deleted = api.post("/api/v3/predictions/delete", "{\"ids\":[\"" + id + "\"]}");

        assertEquals(1, deleted.data().path("deleted_count").asInt());
        JsonNode result = api.get("/api/v3/predictions/" + id + "/result").data();
        assertEquals("completed", result.path("status").asText());
        assertEquals(200, api.download(result.path("outputs").get(0).asText()).statusCode());
        assertEquals(List.of(new ReceivedDelete.Task(id, "completed")), emulator.deletes().get(0).tasks());
        assertEquals("completed", EmulatorClient.JSON.readTree(outside.nextHook(10_000).body()).path("status").asText());
    }

    @Test
    void servesUploadedMediaThatCanBeUsedAsTheInputImage() {
        byte[] picture = TestInputServer.picture(WIDTH, HEIGHT, "png");
        JsonNode uploaded = api.multipart("/api/v3/media/upload/binary", "my photo.png", "image/png", picture).data();
        assertEquals("image", uploaded.path("type").asText());
        assertEquals(picture.length, uploaded.path("size").asInt());
        String url = uploaded.path("download_url").asText();
        assertArrayEquals(picture, api.download(url).body());
        assertEquals("completed", api.post(SUBMIT, input(url).put("enable_sync_mode", true)).data().path("status").asText());
    }

    @Test
    void answersJsonForUnknownPathsWrongMethodsAndMalformedBodies() {
        assertEquals(404, api.get("/api/v3/nothing/here").json().path("code").asInt());
        assertEquals(404, api.post("/api/v3/wavespeed-ai/flux-dev", input(pngUrl)).status());
        EmulatorClient.Reply wrongMethod = api.get(SUBMIT);
        assertEquals(405, wrongMethod.status());
        assertEquals(405, wrongMethod.json().path("code").asInt());
        EmulatorClient.Reply malformed = api.post(SUBMIT, "{\"prompt\":");
        assertEquals(400, malformed.status());
        assertTrue(malformed.json().path("message").asText().startsWith("Invalid JSON body: "));
    }

    @Test
    void servesTheWebhookSecretAndABalance() {
        assertEquals("whsec_emulator-secret", api.get("/api/v3/webhook/secret").data().path("secret").asText());
        assertEquals(100.0, api.get("/api/v3/balance").data().path("balance").asDouble());
    }
}
