package io.enhance.worker.wavespeed;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A prediction as WaveSpeed reports it in {@code data} (submit, result) or as a webhook body.
 * Read leniently: absent or null fields become empty, unknown fields are ignored.
 */
public record Prediction(String id, String status, List<String> outputs, List<Boolean> hasNsfwContents,
        String error, Long inferenceMs, Long executionMs, Integer code, Instant createdAt) {

    /** {@code data.code} of a sync-mode request that ran out of time while the task goes on. */
    public static final int SYNC_TIMEOUT_CODE = 5004;
    private static final Set<String> FAILED = Set.of("failed", "cancelled", "timeout");

    public static Prediction from(JsonNode data) {
        List<String> outputs = new ArrayList<>();
        data.path("outputs").forEach(o -> outputs.add(o.asText()));
        List<Boolean> nsfw = new ArrayList<>();
        data.path("has_nsfw_contents").forEach(n -> nsfw.add(n.isNull() ? null : n.asBoolean())); // null: not reported
        JsonNode inference = data.path("timings").path("inference");
        JsonNode execution = data.path("executionTime");
        return new Prediction(
                data.path("id").asText(null),
                data.path("status").asText("created"),
                outputs,
                nsfw,
                Redaction.withoutUrlQueries(data.path("error").asText("")),
                inference.isNumber() ? inference.asLong() : null,
                execution.isNumber() ? execution.asLong() : null,
                data.path("code").isInt() ? data.path("code").asInt() : null,
                createdAt(data.path("created_at").asText("")));
    }

    /** {@code created_at} on WaveSpeed's clock (ISO-8601, with or without an offset); null if absent or unreadable. */
    static Instant createdAt(String text) {
        if (text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException noOffset) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }

    public boolean completed() {
        return "completed".equals(status);
    }

    /** Terminal failure statuses; anything else that is not "completed" is still running. */
    public boolean failed() {
        return FAILED.contains(status);
    }

    /** The time WaveSpeed reports it took: {@code executionTime}, else {@code timings.inference}; empty if neither. */
    public Optional<Duration> reportedTime() {
        Long ms = executionMs != null ? executionMs : inferenceMs;
        return ms == null || ms < 0 ? Optional.empty() : Optional.of(Duration.ofMillis(ms));
    }

    public boolean processing() {
        return "processing".equals(status);
    }
}
