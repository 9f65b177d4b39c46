package io.enhance.worker.emulator;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Submit, result, history and delete: the prediction half of the API. */
final class PredictionEndpoints {

    static final String MODEL = "wavespeed-ai/flux-1-srpo/image-to-image";
    static final int SYNC_TIMEOUT_CODE = 5004;
    private static final int JSON_LIMIT = 2 * 1024 * 1024;
    private static final int DEFAULT_PAGE_SIZE = 20;
    private static final int MAX_PAGE_SIZE = 100;

    private final EmulatorSettings settings;
    private final FaultDice dice;
    private final PredictionStore store;
    private final PredictionRunner runner;
    private final StartRate startRate;

    PredictionEndpoints(EmulatorSettings settings, FaultDice dice, PredictionStore store, PredictionRunner runner,
            StartRate startRate) {
        this.settings = settings;
        this.startRate = startRate;
        this.dice = dice;
        this.store = store;
        this.runner = runner;
    }

    void submit(Call call) throws IOException {
        byte[] body = call.body(JSON_LIMIT);
        FaultDice.SubmitRoll rolled = dice.rollSubmit(); // even when a script decides, so a seed replays the same sequence
        InjectedFault fault = settings.nextScriptedSubmitFault().orElse(rolled.fault());
        if (!fault.afterCreating()) {
            fault.strike();
        }
        JsonNode input = Call.parseJson(body, null);
        String webhook = call.query("webhook").filter(url -> !url.isBlank()).orElse(null);
        if (webhook != null && !SubmitValidator.isHttpUrl(webhook)) {
            throw ApiException.badRequest("webhook must be an http or https URL");
        }
        SubmitRequest request = SubmitValidator.validate(input, webhook);
        String refused = settings.getRefusedPrompt();
        if (refused != null && input.path("prompt").asText("").contains(refused)) {
            throw new ApiException(403, "This request is not allowed");
        }
        String flaggedBy = settings.getFlaggedPrompt();
        boolean flagged = flaggedBy != null && request.prompt().contains(flaggedBy);
        startRate.accept();
        String id = UUID.randomUUID().toString().replace("-", "");
        EmulatedPrediction prediction = store.create(sequence -> new EmulatedPrediction(id, MODEL, input, request, webhook,
                call.baseUrl(), sequence, rolled.fate(), flagged));
        runner.start(prediction);
        holdAnswer(settings.getAnswerDelayMs());
        fault.strike();
        answerLateIf(fault);
        call.ok(request.syncMode() ? awaitForSyncMode(prediction) : prediction.toJson(false));
    }

    private void answerLateIf(InjectedFault fault) {
        if (fault.slow()) {
            holdAnswer(settings.getSlowResponseMs());
        }
    }

    private static void holdAnswer(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis); // ended by close(), which interrupts the HTTP threads
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DroppedConnection();
        }
    }

    private ObjectNode awaitForSyncMode(EmulatedPrediction prediction) {
        try {
            prediction.finished().get(settings.getSyncTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (!prediction.isFinished()) {
                // what WaveSpeed answers when sync mode runs out of time; the task goes on and can be polled
                ObjectNode data = prediction.toJson(false);
                data.put("status", EmulatedPrediction.PROCESSING);
                data.put("code", SYNC_TIMEOUT_CODE);
                data.put("error", "Sync mode timed out");
                return data;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DroppedConnection(); // the task exists: a 503 would say it does not
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        return prediction.toJson(false);
    }

    void result(Call call) throws IOException {
        InjectedFault rolled = dice.rollResult(); // even when a script decides, so a seed replays the same sequence
        InjectedFault fault = settings.nextScriptedResultFault().orElse(rolled);
        fault.strike();
        answerLateIf(fault);
        EmulatedPrediction prediction = store.find(call.pathPart(1))
                .orElseThrow(() -> ApiException.notFound("Prediction not found"));
        prediction.countPoll();
        call.ok(prediction.toJson(false));
    }

    void history(Call call) throws IOException {
        JsonNode query = Call.parseJson(call.body(JSON_LIMIT), Json.object());
        if (!query.isObject()) {
            throw ApiException.badRequest("Request body must be a JSON object");
        }
        int page = positiveInt(query, "page", 1, Integer.MAX_VALUE);
        int pageSize = positiveInt(query, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
        Predicate<EmulatedPrediction> filter = p -> true;
        String model = text(query, "model");
        if (model != null) {
            filter = filter.and(p -> p.model.equals(model));
        }
        String status = text(query, "status");
        if (status != null) {
            filter = filter.and(p -> p.status().equals(status));
        }
        Instant after = time(query, "created_after");
        if (after != null) {
            filter = filter.and(p -> !p.createdAt.isBefore(after));
        }
        Instant before = time(query, "created_before");
        if (before != null) {
            filter = filter.and(p -> !p.createdAt.isAfter(before));
        }
        List<EmulatedPrediction> matches = store.history(filter);
        ObjectNode data = Json.object();
        ArrayNode items = data.putArray("items");
        long from = (long) (page - 1) * pageSize;
        for (long i = from; i < Math.min(matches.size(), from + pageSize); i++) {
            items.add(matches.get((int) i).toJson(settings.getHistoryShape() == HistoryShape.WITH_INPUT));
        }
        data.put("page", page).put("page_size", pageSize).put("total", matches.size());
        call.ok(data);
    }

    void delete(Call call) throws IOException {
        JsonNode body = Call.parseJson(call.body(JSON_LIMIT), null);
        JsonNode ids = body.get("ids");
        if (ids == null || !ids.isArray()) {
            throw ApiException.badRequest("ids is required: an array of prediction ids");
        }
        List<String> wanted = new ArrayList<>();
        for (JsonNode id : ids) {
            if (!id.isTextual()) {
                throw ApiException.badRequest("ids must contain only strings, got " + id);
            }
            wanted.add(id.asText());
        }
        call.ok(Json.object().put("deleted_count", store.delete(wanted, this::finishesBeforeItsDelete)));
    }

    /** {@code DELETE /api/v3/predictions/{id}}: 404 for an unknown id, else {@code {id, status: "deleted"}}. */
    void deleteOne(Call call) throws IOException {
        String id = call.pathPart(1);
        if (store.delete(List.of(id), this::finishesBeforeItsDelete) == 0) {
            throw ApiException.notFound("Prediction not found");
        }
        call.ok(Json.object().put("id", id).put("status", "deleted"));
    }

    /** With the fault switched on, a task still running finishes just before its delete would take effect. */
    private boolean finishesBeforeItsDelete(EmulatedPrediction prediction) {
        return settings.getFinishOnDelete() && runner.finishNow(prediction);
    }

    private static int positiveInt(JsonNode query, String field, int fallback, int max) {
        JsonNode value = query.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1 || value.asInt() > max) {
            throw ApiException.badRequest(field + " must be an integer between 1 and " + max + ", got " + value);
        }
        return value.asInt();
    }

    private static String text(JsonNode query, String field) {
        JsonNode value = query.get(field);
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isEmpty())) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.badRequest(field + " must be a string");
        }
        return value.asText();
    }

    private static Instant time(JsonNode query, String field) {
        String value = text(query, field);
        if (value == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                try {
                    return LocalDate.parse(value).atStartOfDay().toInstant(ZoneOffset.UTC);
                } catch (DateTimeParseException notDate) {
                    throw ApiException.badRequest(field + " must be an ISO-8601 timestamp, got " + value);
                }
            }
        }
    }
}
