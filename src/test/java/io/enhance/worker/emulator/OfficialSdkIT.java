package io.enhance.worker.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.testing.NodeScripts;
import io.enhance.worker.testing.TestImages;

/**
 * WaveSpeed's official JavaScript SDK (npm {@code wavespeed}, pinned), pointed at the emulator's
 * base URL and otherwise unchanged: upload, run and wait, sync mode, and a failed prediction.
 */
class OfficialSdkIT {

    private static final String SDK = "wavespeed@0.3.2";
    private static final String API_KEY = "sdk-check-key";

    @Test
    void theOfficialJavascriptSdkUploadsRunsAndWaitsAgainstTheEmulator() throws Exception {
        Path work = Files.createDirectories(Path.of("target/official-sdk"));
        NodeScripts.run(work, List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", SDK), Map.of(), 300);
        Files.copy(Path.of("src/test/js/official-sdk-check.mjs"), work.resolve("official-sdk-check.mjs"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path input = work.resolve("input.png");
        Files.write(input, TestImages.card(48, 32, 4));

        try (WaveSpeedEmulator emulator = WaveSpeedEmulator.start(new EmulatorSettings()
                .setApiKey(API_KEY).setMinLatencyMs(100).setMaxLatencyMs(300))) {
            String output = NodeScripts.run(work, List.of("node", "official-sdk-check.mjs", input.toAbsolutePath().toString()),
                    Map.of("WAVESPEED_API_KEY", API_KEY, "WAVESPEED_BASE_URL", emulator.baseUrl()), 120);
            Map<String, JsonNode> checks = NodeScripts.checks(output);

            assertThat(checks.get("upload").path("url").asText()).startsWith(emulator.baseUrl() + "/media/");
            for (String mode : List.of("run", "sync")) {
                JsonNode outputs = checks.get(mode).path("outputs");
                assertThat(outputs).as(mode).hasSize(1);
                byte[] image = download(outputs.get(0).asText());
                assertThat(TestImages.decode(image).getWidth()).as(mode).isEqualTo(96);
                assertThat(TestImages.decode(image).getHeight()).as(mode).isEqualTo(64);
            }
            assertThat(checks.get("failure").path("error").asText()).isEqualTo("WavespeedPredictionException");
            assertThat(checks.get("failure").path("taskId").asText()).hasSize(32);
            assertThat(emulator.submissions()).hasSize(3);
        }
    }

    private static byte[] download(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
    }
}
