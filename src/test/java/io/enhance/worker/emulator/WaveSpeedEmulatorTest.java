package io.enhance.worker.emulator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The emulator as the worker meets it: submit, lifecycle, outputs, validation, faults, webhooks, history. */
class WaveSpeedEmulatorTest extends EmulatorTestSupport {

    @Test
    void completesPredictionWithTwiceTheInputSize() throws IOException {
        EmulatorClient.Reply submitted = api.post(SUBMIT, input(pngUrl));
        assertEquals(200, submitted.status());
        assertEquals("success", submitted.json().path("message").asText());
        JsonNode created = submitted.data();
        String id = created.path("id").asText();
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        assertEquals("wavespeed-ai/flux-1-srpo/image-to-image", created.path("model").asText());
        assertEquals(emulator.baseUrl() + "/api/v3/predictions/" + id + "/result", created.path("urls").path("get").asText());
        assertTrue(created.path("created_at").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z"));
        assertEquals(0, created.path("outputs").size());

        JsonNode done = api.awaitFinished(id);
        assertEquals("completed", done.path("status").asText());
        assertEquals("", done.path("error").asText());
        assertEquals("[false]", done.path("has_nsfw_contents").toString());
        assertTrue(done.path("timings").has("inference"));
        String outputUrl = done.path("outputs").get(0).asText();
        assertEquals(emulator.baseUrl() + "/outputs/" + id + "/0.jpeg", outputUrl);
        HttpResponse<byte[]> output = api.download(outputUrl);
        assertEquals("image/jpeg", output.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(output.body().length, output.headers().firstValueAsLong("Content-Length").orElseThrow());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(output.body()));
        assertEquals(2 * WIDTH, image.getWidth());
        assertEquals(2 * HEIGHT, image.getHeight());
    }

    @Test
    void movesFromCreatedThroughProcessingToCompleted() {
        emulator.settings().setMinLatencyMs(300).setMaxLatencyMs(300);
        JsonNode submitted = api.post(SUBMIT, input(pngUrl)).data();
        String id = submitted.path("id").asText();
        List<String> seen = new ArrayList<>(List.of(submitted.path("status").asText()));
        api.awaitFinished(id, seen);
        assertEquals(List.of("created", "processing", "completed"), seen);
        assertEquals(List.of(id), emulator.submissions().stream().map(ReceivedSubmission::predictionId).toList());
    }

    @Test
    void startsProcessingALongTaskWithinTwoSecondsOfItsSlotSoThatOnlyWaitingTasksStayCreatedLong() {
        emulator.settings().setMinLatencyMs(120_000).setMaxLatencyMs(120_000);
        String id = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();
        await().atMost(Duration.ofMillis(PredictionRunner.MOST_CREATED_IN_A_SLOT_MS + 1500)).pollInterval(Duration.ofMillis(100))
                .until(() -> api.get("/api/v3/predictions/" + id + "/result").data().path("status").asText(), "processing"::equals);
    }

    @Test
    void givesIdenticalBytesForTheSameSeedAndDifferentBytesForAnotherSeed() {
        byte[] first = syncOutput(input(pngUrl).put("seed", 7).put("output_format", "png"));
        byte[] again = syncOutput(input(pngUrl).put("seed", 7).put("output_format", "png"));
        byte[] other = syncOutput(input(pngUrl).put("seed", 8).put("output_format", "png"));
        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other));
    }

    @Test
    void returnsNakedBase64OutputWhenAskedFor() throws IOException {
        JsonNode data = api.post(SUBMIT, input(pngUrl).put("enable_sync_mode", true)
                .put("enable_base64_output", true).put("output_format", "png")).data();
        String encoded = data.path("outputs").get(0).asText();
        assertFalse(encoded.startsWith("data:"));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(encoded)));
        assertEquals(2 * WIDTH, image.getWidth());
    }

    @Test
    void answersTheFinishedPredictionInTheSubmitWhenSyncModeIsOn() throws IOException {
        String jpegUrl = outside.serve("/input.jpg", TestInputServer.picture(WIDTH, HEIGHT, "jpeg"));
        JsonNode data = api.post(SUBMIT, input(jpegUrl).put("enable_sync_mode", true)).data();
        assertEquals("completed", data.path("status").asText());
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(api.download(data.path("outputs").get(0).asText()).body()));
        assertEquals(2 * HEIGHT, image.getHeight());
    }

    @Test
    void answersProcessingWithCode5004WhenSyncModeRunsOutOfTime() {
        emulator.settings().setSyncTimeoutMs(20).setMinLatencyMs(300).setMaxLatencyMs(300);
        EmulatorClient.Reply reply = api.post(SUBMIT, input(pngUrl).put("enable_sync_mode", true));
        assertEquals(200, reply.status());
        assertEquals("processing", reply.data().path("status").asText());
        assertEquals(5004, reply.data().path("code").asInt());
        assertEquals("completed", api.awaitFinished(reply.data().path("id").asText()).path("status").asText());
    }

    @Test
    void rejectsEachInvalidParameterWithA400NamingTheField() {
        List<List<String>> cases = List.of(
                List.of("prompt", "{\"image\":\"" + pngUrl + "\"}"),
                List.of("prompt", "{\"prompt\":\"  \",\"image\":\"" + pngUrl + "\"}"),
                List.of("image", "{\"prompt\":\"p\"}"),
                List.of("image", "{\"prompt\":\"p\",\"image\":\"ftp://host/x.png\"}"),
                List.of("strength", bad("strength", "1.5")),
                List.of("strength", bad("strength", "\"0.5\"")),
                List.of("num_inference_steps", bad("num_inference_steps", "0")),
                List.of("num_inference_steps", bad("num_inference_steps", "51")),
                List.of("num_inference_steps", bad("num_inference_steps", "2.5")),
                List.of("seed", bad("seed", "-2")),
                List.of("seed", bad("seed", "2147483648")),
                List.of("guidance_scale", bad("guidance_scale", "0.5")),
                List.of("guidance_scale", bad("guidance_scale", "20.5")),
                List.of("output_format", bad("output_format", "\"webp\"")),
                List.of("enable_base64_output", bad("enable_base64_output", "\"yes\"")),
                List.of("enable_sync_mode", bad("enable_sync_mode", "1")));
        for (List<String> badCase : cases) {
            EmulatorClient.Reply reply = api.post(SUBMIT, badCase.get(1));
            assertEquals(400, reply.status(), badCase.get(1));
            assertEquals(400, reply.json().path("code").asInt());
            assertTrue(reply.json().path("message").asText().contains(badCase.get(0)), reply.json().toString());
            assertTrue(reply.json().path("data").isNull());
        }
        assertEquals(0, emulator.predictionCount());
    }

    @Test
    void rejectsBase64OutputTogetherWithAWebhook() {
        EmulatorClient.Reply reply = api.post(SUBMIT + "?webhook=" + encode(outside.url("/hook")),
                input(pngUrl).put("enable_base64_output", true));
        assertEquals(400, reply.status());
        assertTrue(reply.json().path("message").asText().contains("enable_base64_output"));
    }

    @Test
    void rejectsCallsWithoutTheRightBearerToken() {
        for (EmulatorClient client : List.of(api.withKey(null), api.withKey("wrong-key"))) {
            EmulatorClient.Reply reply = client.post(SUBMIT, input(pngUrl));
            assertEquals(401, reply.status());
            assertEquals("Invalid API key", reply.json().path("message").asText());
            assertEquals(401, client.get("/api/v3/balance").status());
        }
        assertEquals(0, emulator.predictionCount());
    }

    @Test
    void injectedRateLimitsCreateNoPrediction() {
        emulator.settings().setRate429(1.0);
        EmulatorClient.Reply limited = api.post(SUBMIT, input(pngUrl));
        assertEquals(429, limited.status());
        assertEquals("Too many requests", limited.json().path("message").asText());
        assertEquals(List.of(), emulator.submissions());
        assertEquals(0, emulator.predictionCount());
    }

    @Test
    void failsEveryPredictionWhenTheFailureRateIsOne() {
        emulator.settings().setFailureRate(1.0);
        JsonNode data = api.post(SUBMIT, input(pngUrl).put("enable_sync_mode", true)).data();
        assertEquals("failed", data.path("status").asText());
        assertEquals(0, data.path("outputs").size());
        assertFalse(data.path("error").asText().isBlank());
        assertEquals(1, emulator.predictionCount());
    }

    @Test
    void failsWithAClearErrorWhenTheImageCannotBeFetchedOrDecoded() {
        String garbage = outside.serve("/garbage.png", "this is not an image".getBytes(StandardCharsets.UTF_8));
        JsonNode missing = api.post(SUBMIT, input(outside.url("/missing.png")).put("enable_sync_mode", true)).data();
        assertEquals("failed", missing.path("status").asText());
        assertTrue(missing.path("error").asText().contains("HTTP 404"), missing.path("error").asText());
        JsonNode broken = api.post(SUBMIT, input(garbage).put("enable_sync_mode", true)).data();
        assertEquals("failed", broken.path("status").asText());
        assertTrue(broken.path("error").asText().contains("JPEG or PNG"), broken.path("error").asText());
    }

    @Test
    void postsTheWebhookToTheCallbackUrlAsGivenQueryIncluded() throws Exception {
        String callback = outside.url("/hook?job=7&attempt=2&tag=0f3a");
        api.post(SUBMIT + "?webhook=" + encode(callback), input(pngUrl));

        assertEquals("job=7&attempt=2&tag=0f3a", outside.nextHook(10_000).rawQuery());
        assertEquals(callback, emulator.submissions().get(0).webhookUrl());
    }

    @Test
    void deliversAWebhookWhoseSignatureRecomputesWithAnIndependentHmac() throws Exception {
        String id = api.post(SUBMIT + "?webhook=" + encode(outside.url("/hook")), input(pngUrl)).data().path("id").asText();
        TestInputServer.Hook hook = outside.nextHook(10_000);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("emulator-secret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((hook.id() + "." + hook.timestamp() + ".").getBytes(StandardCharsets.UTF_8));
        assertEquals("v3," + HexFormat.of().formatHex(mac.doFinal(hook.body())), hook.signature());
        assertTrue(Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(hook.timestamp())) < 300);
        JsonNode prediction = EmulatorClient.JSON.readTree(hook.body());
        assertEquals(id, prediction.path("id").asText());
        assertEquals("completed", prediction.path("status").asText());
        assertFalse(prediction.has("code"), "the webhook body is the bare prediction, not the envelope");
        assertEquals(outside.url("/hook"), emulator.submissions().get(0).webhookUrl());
    }

    @Test
    void listsSubmittedPredictionsNewestFirstWithTheirInputInHistory() {
        emulator.settings().setHistoryShape(HistoryShape.WITH_INPUT);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(api.post(SUBMIT, input(pngUrl).put("prompt", "picture " + i)).data().path("id").asText());
        }
        JsonNode page = api.post("/api/v3/predictions", "{\"page\":1,\"page_size\":2}").data();
        assertEquals(3, page.path("total").asInt());
        assertEquals(2, page.path("items").size());
        assertEquals(ids.get(2), page.path("items").get(0).path("id").asText());
        assertEquals("picture 2", page.path("items").get(0).path("input").path("prompt").asText());
        JsonNode second = api.post("/api/v3/predictions", "{\"page\":2,\"page_size\":2,\"model\":\"wavespeed-ai/flux-1-srpo/image-to-image\"}").data();
        assertEquals(ids.get(0), second.path("items").get(0).path("id").asText());
        assertEquals(400, api.post("/api/v3/predictions", "{\"page_size\":101}").status());
        assertEquals(0, api.post("/api/v3/predictions", "{\"created_after\":\"2999-01-01T00:00:00Z\"}").data().path("total").asInt());
    }
}
