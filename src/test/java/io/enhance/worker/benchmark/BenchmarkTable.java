package io.enhance.worker.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The benchmark's results as a Markdown table, one row per figure, printed and written to {@code target/benchmark.md}. */
final class BenchmarkTable {

    private final Instant started = Instant.now();
    private final List<String> rows = new ArrayList<>();

    synchronized void row(String figure, String target, String measured) {
        rows.add("| " + figure + " | " + target + " | " + measured + " |");
    }

    synchronized String markdown(double scale) {
        return "| figure | target | this worker |\n|---|---|---|\n" + String.join("\n", rows) + "\n\n"
                + String.format(Locale.ROOT, "Scale %s, %d cores, %d s for the whole run, %s.%n", scale,
                        Runtime.getRuntime().availableProcessors(), Duration.between(started, Instant.now()).toSeconds(),
                        started);
    }

    void write(double scale) throws IOException {
        String table = markdown(scale);
        System.out.println(table);
        Files.writeString(Path.of("target/benchmark.md"), table);
    }
}
