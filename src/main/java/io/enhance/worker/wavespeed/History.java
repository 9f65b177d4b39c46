package io.enhance.worker.wavespeed;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Predictions WaveSpeed's history call lists for a time window. {@code complete} is false when the
 * listing was cut short, so that an absence in it proves nothing.
 */
public record History(List<Entry> entries, boolean complete) {

    /** One listed prediction; {@code input} is the request it was created from, if the listing shows it. */
    public record Entry(String id, Optional<JsonNode> input) {

        public static Entry from(JsonNode item) {
            JsonNode input = item.path("input");
            return new Entry(item.path("id").asText(""), input.isObject() ? Optional.of(input) : Optional.empty());
        }
    }
}
