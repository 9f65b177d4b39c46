package io.enhance.worker.emulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One prediction as the emulator plays it, and its lifecycle {@code created -> processing -> completed | failed}. */
final class EmulatedPrediction {

    static final String CREATED = "created";
    static final String PROCESSING = "processing";
    static final String COMPLETED = "completed";
    static final String FAILED = "failed";

    private static final DateTimeFormatter CREATED_AT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    final String id;
    final String model;
    final JsonNode input;
    final SubmitRequest request;
    final String webhookUrl;
    final Instant createdAt;
    final long sequence;
    final long latencyMs;
    final boolean fated;
    /** The injected fault "lost webhook": the receiver never hears of this prediction. */
    final boolean webhookLost;
    /** Its output is reported flagged as NSFW ({@code EMULATOR_FLAGGED_PROMPT}). */
    final boolean flagged;
    private final String resultUrl;
    private final String outputUrl;
    private final long submittedNanos;
    /** When the task got an upstream slot: its latency runs from here. */
    private volatile long admittedNanos;
    private final AtomicInteger polls = new AtomicInteger();
    private final CompletableFuture<EmulatedPrediction> finished = new CompletableFuture<>();

    private String status = CREATED;
    private String error = "";
    private Path output;
    private long processingStartedNanos;
    private long executionTimeMs;
    private long inferenceMs;
    private Instant finishedAt;
    private boolean deleted;

    EmulatedPrediction(String id, String model, JsonNode input, SubmitRequest request, String webhookUrl, String baseUrl,
               long sequence, FaultDice.Fate fate, boolean flagged) {
        this.flagged = flagged;
        this.id = id;
        this.model = model;
        this.input = input;
        this.request = request;
        this.webhookUrl = webhookUrl;
        this.createdAt = Instant.now();
        this.submittedNanos = System.nanoTime();
        this.admittedNanos = submittedNanos;
        this.sequence = sequence;
        this.latencyMs = fate.latencyMs();
        this.fated = fate.fails();
        this.webhookLost = fate.webhookLost();
        this.resultUrl = baseUrl + "/api/v3/predictions/" + id + "/result";
        this.outputUrl = baseUrl + "/outputs/" + id + "/" + outputFileName();
    }

    String outputFileName() {
        return "0." + request.outputFormat();
    }

    /** The task got an upstream slot now, after waiting for one as {@code created}. */
    void admitted() {
        admittedNanos = System.nanoTime();
    }

    /** Nanoseconds left until the drawn latency has passed since the task got its slot; never negative. */
    long remainingNanos() {
        return Math.max(0, admittedNanos + Duration.ofMillis(latencyMs).toNanos() - System.nanoTime());
    }

    void countPoll() {
        polls.incrementAndGet();
    }

    int polls() {
        return polls.get();
    }

    /** When it completed or failed, on the wall clock; {@code null} until then. */
    synchronized Instant finishedAt() {
        return finishedAt;
    }

    synchronized boolean startProcessing() {
        if (!status.equals(CREATED)) {
            return false;
        }
        status = PROCESSING;
        processingStartedNanos = System.nanoTime();
        return true;
    }

    synchronized boolean complete(Path outputFile) {
        if (isFinished()) {
            return false;
        }
        output = outputFile;
        finish(COMPLETED);
        return true;
    }

    synchronized boolean fail(String message) {
        if (isFinished()) {
            return false;
        }
        error = message;
        finish(FAILED);
        return true;
    }

    /**
     * A delete reached it: returns whether it was still running, and so is stopped and gone; a finished one
     * only leaves the history, its result and outputs kept.
     */
    synchronized boolean markDeleted() {
        deleted = true;
        return !isFinished();
    }

    synchronized boolean isDeleted() {
        return deleted;
    }

    synchronized boolean isFinished() {
        return status.equals(COMPLETED) || status.equals(FAILED);
    }

    synchronized String status() {
        return status;
    }

    /** Completes once the prediction is completed or failed. */
    CompletableFuture<EmulatedPrediction> finished() {
        return finished;
    }

    private void finish(String terminal) {
        long now = System.nanoTime();
        if (status.equals(CREATED)) {
            processingStartedNanos = now;
        }
        status = terminal;
        finishedAt = Instant.now();
        executionTimeMs = Duration.ofNanos(now - submittedNanos).toMillis();
        inferenceMs = Duration.ofNanos(now - processingStartedNanos).toMillis();
        finished.complete(this);
    }

    /** The prediction object as WaveSpeed returns it; {@code input} only where the caller asks for it. */
    synchronized ObjectNode toJson(boolean withInput) {
        ObjectNode json = Json.object();
        json.put("id", id);
        json.put("model", model);
        ArrayNode outputs = json.putArray("outputs");
        ArrayNode nsfw = Json.MAPPER.createArrayNode();
        if (status.equals(COMPLETED)) {
            outputs.add(request.base64Output() ? base64Output() : outputUrl);
            nsfw.add(flagged);
        }
        json.putObject("urls").put("get", resultUrl);
        json.set("has_nsfw_contents", nsfw);
        json.put("status", status);
        json.put("created_at", CREATED_AT.format(createdAt));
        json.put("error", error);
        json.put("executionTime", executionTimeMs);
        json.putObject("timings").put("inference", inferenceMs);
        if (withInput) {
            json.set("input", input.deepCopy());
        }
        return json;
    }

    private String base64Output() {
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(output));
        } catch (IOException e) {
            throw new UncheckedIOException("Output of prediction " + id + " is gone", e);
        }
    }
}
