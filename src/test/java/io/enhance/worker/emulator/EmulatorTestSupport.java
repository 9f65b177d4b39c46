package io.enhance.worker.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Starts an emulator per test, plus a small server for input images and webhooks shared by a class. */
abstract class EmulatorTestSupport {

    static final String KEY = "test-key";
    static final String SUBMIT = "/api/v3/wavespeed-ai/flux-1-srpo/image-to-image";
    static final int WIDTH = 40;
    static final int HEIGHT = 30;

    static TestInputServer outside;
    static String pngUrl;
    WaveSpeedEmulator emulator;
    EmulatorClient api;

    @BeforeAll
    static void startOutsideWorld() {
        System.setProperty("java.awt.headless", "true");
        System.setProperty("sun.net.httpserver.nodelay", "true");
        outside = TestInputServer.start();
        pngUrl = outside.serve("/input.png", TestInputServer.picture(WIDTH, HEIGHT, "png"));
    }

    @AfterAll
    static void stopOutsideWorld() {
        outside.close();
    }

    @BeforeEach
    void startEmulator() {
        emulator = WaveSpeedEmulator.start(new EmulatorSettings()
                .setApiKey(KEY).setMinLatencyMs(0).setMaxLatencyMs(50).setWebhookRetryBaseMs(20));
        api = new EmulatorClient(emulator.baseUrl(), KEY);
    }

    @AfterEach
    void stopEmulator() {
        emulator.close();
    }

    byte[] syncOutput(ObjectNode body) {
        JsonNode data = api.post(SUBMIT, body.put("enable_sync_mode", true)).data();
        assertEquals("completed", data.path("status").asText(), data.toString());
        return api.download(data.path("outputs").get(0).asText()).body();
    }

    static ObjectNode input(String imageUrl) {
        return EmulatorClient.JSON.createObjectNode().put("prompt", "sharpen this picture").put("image", imageUrl)
                .put("strength", 0.6).put("num_inference_steps", 28).put("guidance_scale", 3.5);
    }

    static String bad(String field, String json) {
        return "{\"prompt\":\"p\",\"image\":\"" + pngUrl + "\",\"" + field + "\":" + json + "}";
    }

    static String encode(String url) {
        return URLEncoder.encode(url, StandardCharsets.UTF_8);
    }
}
