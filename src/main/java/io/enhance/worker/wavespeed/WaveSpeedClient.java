package io.enhance.worker.wavespeed;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.client.api.ClientMultipartForm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.config.WaveSpeedConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;

/**
 * The worker's only door to WaveSpeed. It reads the {@code {code, message, data}} envelope and
 * classifies every answer once, here, so that callers only decide what a class of outcome means for a job.
 * A submit is never retried here: a second POST could create a second paid task.
 */
@ApplicationScoped
public class WaveSpeedClient {

    /**
     * A 4xx that says the account cannot pay: its {@code error_code} (an identifier, never user text)
     * says so, or its message starts by saying so. A parameter error quoting a prompt that mentions
     * "credit" must fail that job alone, not pause every submission.
     */
    private static final Pattern BALANCE_CODE = Pattern.compile("(?i)balance|credit|funds|quota");
    private static final Pattern BALANCE_MESSAGE = Pattern.compile("(?i)^\\W*((your|the) )?(account )?("
            + "insufficient (account )?(balance|credits?|funds)|(balance|credits?) (is )?(insufficient|too low|not enough"
            + "|exhausted)|not enough (balance|credits?|funds)|out of credits?)");
    /** The history call's largest page. */
    private static final int HISTORY_PAGE_SIZE = 100;
    /**
     * A window holding more predictions than this many pages is searched no further (and proves no
     * absence): 100,000 tasks, twenty minutes of Ultra's rate, far more than any settlement window holds.
     */
    private static final int HISTORY_MAX_PAGES = 1000;

    private final WaveSpeedApi api;
    private final WaveSpeedConfig config;
    private final ObjectMapper json;

    WaveSpeedClient(@RestClient WaveSpeedApi api, WaveSpeedConfig config, ObjectMapper json) {
        this.api = api;
        this.config = config;
        this.json = json;
    }

    /** The REST client's pool counts whole seconds, and 0 seconds would keep idle connections forever. */
    void checkIdleConnectionTimeout(@Observes StartupEvent event) {
        if (config.idleConnectionTimeoutMs() < 1000) {
            throw new IllegalStateException("WAVESPEED_IDLE_CONNECTION_TIMEOUT_MS must be at least 1000, was "
                    + config.idleConnectionTimeoutMs());
        }
    }

    public Uni<SubmitOutcome> submit(Map<String, Object> parameters, String webhookUrl) {
        String body;
        try {
            body = json.writeValueAsString(parameters);
        } catch (IOException e) {
            return Uni.createFrom().item(new SubmitOutcome.Invalid("parameters cannot be written as JSON: " + e));
        }
        return api.submit(config.model(), webhookUrl, bearer(), body)
                .ifNoItem().after(config.requestTimeout()).fail()
                .map(this::readSubmitAnswer)
                .onFailure().recoverWithItem(this::classifySubmitFailure);
    }

    public Uni<PollOutcome> result(String predictionId) {
        return api.result(predictionId, bearer())
                .ifNoItem().after(config.requestTimeout()).fail()
                .map(this::readPollAnswer)
                .onFailure().recoverWithItem(this::classifyPollFailure);
    }

    /**
     * Deletes these predictions in one call (WaveSpeed ignores unknown ids), within the request timeout;
     * never fails: a refusal or no answer becomes {@link DeleteOutcome.NotDeleted}, to be retried.
     */
    public Uni<DeleteOutcome> delete(List<String> predictionIds) {
        String body = json.createObjectNode().set("ids", json.valueToTree(predictionIds)).toString();
        return data(api.delete(bearer(), body))
                .map(data -> (DeleteOutcome) new DeleteOutcome.Deleted(data.path("deleted_count").asInt(0)))
                .onFailure().recoverWithItem(this::classifyDeleteFailure);
    }

    private DeleteOutcome classifyDeleteFailure(Throwable failure) {
        if (failure instanceof WebApplicationException http) {
            Answer answer = Answer.read(http.getResponse(), json);
            return new DeleteOutcome.NotDeleted("HTTP " + answer.status() + ": " + answer.message());
        }
        if (causedBy(failure, TimeoutException.class)) {
            return new DeleteOutcome.NotDeleted("no answer within " + config.requestTimeout());
        }
        return new DeleteOutcome.NotDeleted(Redaction.withoutUrlQueries(failure.toString()));
    }

    /**
     * Every prediction of the configured model created in {@code [after, before]} (widened to whole
     * seconds, in case WaveSpeed reads the bounds no finer), page by page. Safe to repeat (it only reads);
     * a failure fails the Uni. Pages stay put while they are read as long as {@code before} is past:
     * newer tasks, which come first, are not in the window.
     */
    public Uni<History> history(Instant after, Instant before) {
        Instant from = after.truncatedTo(ChronoUnit.SECONDS);
        Instant to = before.truncatedTo(ChronoUnit.SECONDS).equals(before) ? before
                : before.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
        return historyFrom(1, from, to, new ArrayList<>());
    }

    private Uni<History> historyFrom(int page, Instant after, Instant before, List<Prediction> found) {
        String query = json.createObjectNode().put("page", page).put("page_size", HISTORY_PAGE_SIZE)
                .put("model", config.model()).put("created_after", after.toString())
                .put("created_before", before.toString()).toString();
        return data(api.history(bearer(), query)).flatMap(data -> {
            JsonNode items = data.isArray() ? data : data.path("items");
            if (!items.isArray()) {
                throw new IllegalStateException("history answered without data.items");
            }
            items.forEach(item -> found.add(Prediction.from(item)));
            if (items.size() < HISTORY_PAGE_SIZE) {
                return Uni.createFrom().item(new History(found, true));
            }
            return page < HISTORY_MAX_PAGES ? historyFrom(page + 1, after, before, found)
                    : Uni.createFrom().item(new History(found, false));
        });
    }

    /** Uploads a file through the media API and returns the URL WaveSpeed hands out for it. */
    public Uni<String> upload(java.nio.file.Path file, String filename, String contentType) {
        return data(api.upload(ClientMultipartForm.create().binaryFileUpload("file", filename, file.toString(),
                contentType), bearer()))
                .map(data -> {
                    JsonNode url = data.path("download_url");
                    if (!url.isTextual()) {
                        throw new IllegalStateException("upload answered without data.download_url");
                    }
                    return url.asText();
                });
    }

    /** Whether WaveSpeed accepts the account again: the free balance call answers with a positive balance. */
    public Uni<Boolean> accountAccepted() {
        return data(api.balance(bearer()))
                .map(data -> data.path("balance").asDouble(0) > 0)
                .onFailure().recoverWithItem(false);
    }

    /** The account's webhook signing secret ({@code data.secret}), or empty if WaveSpeed would not tell. */
    public Uni<Optional<String>> webhookSecret() {
        return data(api.webhookSecret(bearer()))
                .map(data -> data.path("secret").isTextual() ? Optional.of(data.path("secret").asText())
                        : Optional.<String> empty())
                .onFailure().recoverWithItem(Optional.empty());
    }

    /** The {@code data} of a successful answer within the request timeout; fails on an error status or non-JSON. */
    private Uni<JsonNode> data(Uni<Response> call) {
        return call.ifNoItem().after(config.requestTimeout()).fail()
                .map(response -> {
                    try {
                        return json.readTree(response.readEntity(String.class)).path("data");
                    } catch (IOException notJson) {
                        throw new IllegalStateException("WaveSpeed answered with something other than JSON", notJson);
                    }
                });
    }

    private SubmitOutcome readSubmitAnswer(Response response) {
        Answer answer = Answer.read(response, json);
        if (answer.prediction() != null) {
            return new SubmitOutcome.Accepted(answer.prediction());
        }
        return classifySubmitStatus(answer);
    }

    private SubmitOutcome classifySubmitFailure(Throwable failure) {
        if (failure instanceof WebApplicationException http) {
            Answer answer = Answer.read(http.getResponse(), json);
            SubmitOutcome outcome = classifySubmitStatus(answer);
            if (outcome instanceof SubmitOutcome.NotCreated notCreated) {
                return notCreated.retryingAfter(retryAfter(http.getResponse().getHeaderString("Retry-After")));
            }
            return outcome;
        }
        if (causedBy(failure, ConnectException.class)) {
            return new SubmitOutcome.NotCreated("WaveSpeed unreachable: " + failure.getMessage());
        }
        if (causedBy(failure, TimeoutException.class)) {
            return new SubmitOutcome.Unknown("no answer within " + config.requestTimeout());
        }
        return new SubmitOutcome.Unknown("request failed after it may have been sent: " + failure);
    }

    /** {@code Retry-After} as seconds or as an HTTP date; nothing if absent or unreadable. */
    static Optional<Duration> retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(header.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Optional.of(Duration.between(Instant.now(), at)).filter(d -> !d.isNegative());
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private static SubmitOutcome classifySubmitStatus(Answer answer) {
        int status = answer.status();
        String message = answer.message();
        if (status / 100 == 4 && refusesTheBalance(answer)) {
            return new SubmitOutcome.AccountRefused("balance refused (" + status + "): " + message);
        }
        return switch (status) {
            case 429 -> SubmitOutcome.NotCreated.rateLimited("rate limited (429): " + message);
            case 401, 402, 403 -> new SubmitOutcome.AccountRefused("account refused (" + status + "): " + message);
            case 503 -> new SubmitOutcome.NotCreated("service unavailable (503): " + message);
            default -> status >= 400 && status < 500
                    ? new SubmitOutcome.Invalid(message)
                    : new SubmitOutcome.Unknown("HTTP " + status + ": " + message);
        };
    }

    private static boolean refusesTheBalance(Answer answer) {
        return BALANCE_CODE.matcher(answer.errorCode()).find() || BALANCE_MESSAGE.matcher(answer.message()).find();
    }

    private PollOutcome readPollAnswer(Response response) {
        Answer answer = Answer.read(response, json);
        if (answer.prediction() != null) {
            return new PollOutcome.Found(answer.prediction());
        }
        return classifyPollStatus(answer.status(), answer.message());
    }

    private PollOutcome classifyPollFailure(Throwable failure) {
        if (failure instanceof WebApplicationException http) {
            Answer answer = Answer.read(http.getResponse(), json);
            return classifyPollStatus(answer.status(), answer.message());
        }
        return new PollOutcome.Unavailable(failure.toString());
    }

    private static PollOutcome classifyPollStatus(int status, String message) {
        return status == 404
                ? new PollOutcome.NotFound(message)
                : new PollOutcome.Unavailable("HTTP " + status + ": " + message);
    }

    private String bearer() {
        return config.apiKey().map(key -> "Bearer " + key).orElse(null);
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** A response read once: its HTTP status, the envelope's message and error code and, on success, the prediction. */
    private record Answer(int status, String message, String errorCode, Prediction prediction) {

        static Answer read(Response response, ObjectMapper json) {
            int status = response.getStatus();
            String body = response.hasEntity() ? response.readEntity(String.class) : "";
            JsonNode root;
            try {
                root = body.isBlank() ? json.nullNode() : json.readTree(body);
            } catch (IOException notJson) {
                return new Answer(status, Redaction.withoutUrlQueries(abbreviate(body)), "", null); // gateways answer HTML
            }
            int code = root.path("code").asInt(status);
            String message = Redaction.withoutUrlQueries(
                    root.path("message").asText(root.path("error").asText(abbreviate(body))));
            JsonNode data = root.path("data");
            boolean success = status / 100 == 2 && code == 200 && data.isObject() && data.hasNonNull("id");
            return new Answer(success ? status : (status / 100 == 2 ? code : status), message,
                    root.path("error_code").asText(""), success ? Prediction.from(data) : null);
        }

        private static String abbreviate(String text) {
            String flat = text.replaceAll("\\s+", " ").trim();
            return flat.length() <= 200 ? flat : flat.substring(0, 200) + "...";
        }
    }
}
