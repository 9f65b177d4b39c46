package io.enhance.worker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** npm and node for the tests that check the worker with JavaScript tools: commands with a deadline, and their reports. */
public final class NodeScripts {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The browser driver the dashboard's browser checks use, pinned. */
    public static final String PLAYWRIGHT = "playwright-core@1.65.1";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private NodeScripts() {
    }

    /** Installs the pinned npm {@code packageSpec} into {@code dir} and copies {@code script} there, to run with {@link #run}. */
    public static void prepare(Path dir, String packageSpec, Path script) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        run(dir, List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", packageSpec), Map.of(), 300);
        Files.copy(script, dir.resolve(script.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Runs {@code command} in {@code dir} with a deadline; fails unless it exits 0, and returns its standard output. */
    public static String run(Path dir, List<String> command, Map<String, String> env, int timeoutSeconds)
            throws IOException, InterruptedException {
        File log = dir.resolve("process.log").toFile();
        File out = dir.resolve("process.out").toFile();
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log))
                .redirectOutput(out);
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException missing) {
            throw new AssertionError(command.get(0) + " is needed here: apt-get install -y nodejs npm", missing);
        }
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + timeoutSeconds + " s; see " + log);
        }
        String stdout = Files.readString(out.toPath());
        assertThat(process.exitValue()).as(command + " exit code; stderr in " + log + "; stdout: " + stdout)
                .isZero();
        return stdout;
    }

    /**
     * Readies {@code dir} to run {@code script} (from {@code src/test/js/}) in Debian's Chromium: the pinned
     * {@code playwright-core} installed there, the script copied beside it.
     */
    public static Path browserScript(Path dir, String script) throws IOException, InterruptedException {
        assertThat(CHROMIUM).as("Chromium is needed: apt-get install -y chromium").isExecutable();
        Files.createDirectories(dir);
        run(dir, List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", PLAYWRIGHT), Map.of(), 300);
        Files.copy(Path.of("src/test/js", script), dir.resolve(script), StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    /** A script's report, one JSON object per line, by its {@code check} field (the last one of a name wins). */
    public static Map<String, JsonNode> checks(String output) throws IOException {
        Map<String, JsonNode> checks = new HashMap<>();
        for (String line : output.strip().split("\n")) {
            JsonNode check = JSON.readTree(line);
            checks.put(check.path("check").asText(), check);
        }
        return checks;
    }
}
