package io.enhance.worker.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
        run(work, List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", SDK), Map.of(), 300);
        Files.copy(Path.of("src/test/js/official-sdk-check.mjs"), work.resolve("official-sdk-check.mjs"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path input = work.resolve("input.png");
        Files.write(input, TestImages.card(48, 32, 4));

        try (WaveSpeedEmulator emulator = WaveSpeedEmulator.start(new EmulatorSettings()
                .setApiKey(API_KEY).setMinLatencyMs(100).setMaxLatencyMs(300))) {
            String output = run(work, List.of("node", "official-sdk-check.mjs", input.toAbsolutePath().toString()),
                    Map.of("WAVESPEED_API_KEY", API_KEY, "WAVESPEED_BASE_URL", emulator.baseUrl()), 120);
            Map<String, JsonNode> checks = new HashMap<>();
            for (String line : output.strip().split("\n")) {
                JsonNode check = new ObjectMapper().readTree(line);
                checks.put(check.path("check").asText(), check);
            }

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

    private static String run(Path dir, List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        File log = dir.resolve("process.log").toFile();
        File out = dir.resolve("process.out").toFile();
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log))
                .redirectOutput(out);
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s; see " + log);
        }
        String stdout = Files.readString(out.toPath());
        assertThat(process.exitValue()).as(command + " exit code; stderr in " + log + "; stdout: " + stdout)
                .isZero();
        return stdout;
    }
}
