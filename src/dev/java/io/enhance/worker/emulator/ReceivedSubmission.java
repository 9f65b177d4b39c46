package io.enhance.worker.emulator;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/** One submit that created a prediction, as the emulator received it. */
public record ReceivedSubmission(String predictionId, String model, JsonNode body, String webhookUrl, Instant receivedAt) {
}
