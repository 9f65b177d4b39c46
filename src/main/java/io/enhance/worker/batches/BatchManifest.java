package io.enhance.worker.batches;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.jobs.JobStore;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * A batch's manifest: one row per job, in the order the jobs were stored, as CSV or JSON Lines, written
 * while the rows are read ({@link JobStore#forEachManifestRow}), so that its size never matters. The API
 * ({@code GET /api/batches/{id}/manifest}) and {@code status NAME --format} both write it here.
 *
 * <p>A row: {@code job_id}, {@code status}, {@code source} (input.image without its query string),
 * {@code outputs} (every stored output: bucket, key, sha256, size, width, height, has_nsfw_contents),
 * {@code cost_usd}, {@code error_code}, {@code error_message}, and {@code created_at}, {@code submitted_at}
 * (the latest submit), {@code finished_at} in ISO-8601 UTC. CSV has output 0 in columns of its own, and
 * every output in {@code outputs} as a JSON array; JSON Lines has {@code outputs} only.
 */
@ApplicationScoped
public class BatchManifest {

    /** Rows fetched from PostgreSQL at a time: what the manifest holds in memory at most. */
    static final int FETCH_SIZE = 500;
    /** Long enough for millions of rows to a slow reader; the reader holds a database connection meanwhile. */
    private static final int TRANSACTION_SECONDS = 3600;

    public static final List<String> CSV_COLUMNS = List.of("job_id", "status", "source", "output_bucket", "output_key",
            "output_sha256", "output_size", "output_width", "output_height", "output_has_nsfw_contents", "outputs",
            "cost_usd", "error_code", "error_message", "created_at", "submitted_at", "finished_at");

    /** The manifest's formats and their media types. */
    public enum Format {
        CSV("text/csv"), JSON_LINES("application/x-ndjson");

        public final String mediaType;

        Format(String mediaType) {
            this.mediaType = mediaType;
        }

        /** The format a media type (or {@code status --format} value) names: csv, jsonl, or their media types. */
        public static Optional<Format> named(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "csv", "text/csv" -> Optional.of(CSV);
                case "jsonl", "ndjson", "application/x-ndjson", "application/jsonl", "application/x-jsonlines" ->
                        Optional.of(JSON_LINES);
                default -> Optional.empty();
            };
        }
    }

    private final JobStore store;
    private final ObjectMapper json;

    BatchManifest(JobStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    /** Writes the manifest of {@code batchId} to {@code out} (left open) in a transaction of its own. */
    public void writeAlone(String batchId, Format format, OutputStream out) throws IOException {
        try {
            QuarkusTransaction.requiringNew().timeout(TRANSACTION_SECONDS).run(() -> {
                try {
                    write(batchId, format, out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Writes the manifest of {@code batchId} to {@code out} (left open), in the caller's transaction, which the cursor needs. */
    public void write(String batchId, Format format, OutputStream out) throws IOException {
        Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        if (format == Format.CSV) {
            writer.write(csvLine(CSV_COLUMNS));
        }
        try {
            store.forEachManifestRow(batchId, FETCH_SIZE, row -> {
                try {
                    writer.write(format == Format.CSV ? csvLine(csvRow(row)) : jsonLine(row));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) { // the reader went away: nothing more to write
            throw e.getCause();
        }
        writer.flush();
    }

    private String jsonLine(JobStore.ManifestRow row) throws JsonProcessingException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("job_id", row.jobId());
        line.put("status", row.status());
        line.put("source", row.source());
        line.put("outputs", outputs(row));
        line.put("cost_usd", row.costUsd());
        line.put("error_code", row.errorCode());
        line.put("error_message", row.errorMessage());
        line.put("created_at", time(row.createdAt()));
        line.put("submitted_at", time(row.submittedAt()));
        line.put("finished_at", time(row.finishedAt()));
        return json.writeValueAsString(line) + "\n";
    }

    private List<String> csvRow(JobStore.ManifestRow row) throws JsonProcessingException {
        List<Map<String, Object>> outputs = outputs(row);
        Map<String, Object> first = outputs.isEmpty() ? Map.of() : outputs.get(0);
        List<String> cells = new ArrayList<>(List.of(row.jobId(), row.status(), text(row.source())));
        for (String field : List.of("bucket", "key", "sha256", "size", "width", "height", "has_nsfw_contents")) {
            cells.add(text(first.get(field)));
        }
        cells.add(outputs.isEmpty() ? "" : json.writeValueAsString(outputs));
        cells.addAll(List.of(text(row.costUsd()), text(row.errorCode()), text(row.errorMessage()),
                text(time(row.createdAt())), text(time(row.submittedAt())), text(time(row.finishedAt()))));
        return cells;
    }

    /** The stored outputs, each with its has_nsfw_contents (null where WaveSpeed gave none). */
    private List<Map<String, Object>> outputs(JobStore.ManifestRow row) throws JsonProcessingException {
        if (row.outputsJson() == null) {
            return List.of();
        }
        JsonNode nsfw = row.nsfwJson() == null ? json.createArrayNode() : json.readTree(row.nsfwJson());
        List<Map<String, Object>> outputs = new ArrayList<>();
        JsonNode stored = json.readTree(row.outputsJson());
        for (int index = 0; index < stored.size(); index++) {
            JsonNode output = stored.get(index);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("bucket", output.path("bucket").asText());
            entry.put("key", output.path("key").asText());
            entry.put("sha256", output.path("sha256").asText());
            entry.put("size", output.path("size").asLong());
            entry.put("width", output.path("width").asInt());
            entry.put("height", output.path("height").asInt());
            entry.put("has_nsfw_contents", nsfw.path(index).isBoolean() ? nsfw.get(index).asBoolean() : null);
            outputs.add(entry);
        }
        return outputs;
    }

    /** RFC 4180: a cell with a comma, quote or line break is quoted, its quotes doubled; lines end with CRLF. */
    private static String csvLine(List<String> cells) {
        StringBuilder line = new StringBuilder();
        for (String cell : cells) {
            if (!line.isEmpty()) {
                line.append(',');
            }
            boolean quoted = cell.indexOf(',') >= 0 || cell.indexOf('"') >= 0 || cell.indexOf('\n') >= 0
                    || cell.indexOf('\r') >= 0;
            line.append(quoted ? '"' + cell.replace("\"", "\"\"") + '"' : cell);
        }
        return line.append("\r\n").toString();
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    private static String time(Instant at) {
        return at == null ? null : at.toString();
    }
}
