package io.enhance.worker.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

/** One HTTP request to the emulator, with the helpers its endpoints need to read it and answer. */
final class Call {

    private final HttpExchange exchange;
    private final Matcher path;
    private final String baseUrl;
    private boolean answered;
    private boolean held;

    Call(HttpExchange exchange, Matcher path, String baseUrl) {
        this.exchange = exchange;
        this.path = path;
        this.baseUrl = baseUrl;
    }

    /** The base URL the client reached us by, for the absolute URLs put in answers. */
    String baseUrl() {
        return baseUrl;
    }

    String pathPart(int group) {
        return path.group(group);
    }

    String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    Optional<String> query(String name) {
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return Optional.empty();
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return Optional.of(equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    byte[] body(int limit) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(limit + 1);
            if (bytes.length > limit) {
                throw new ApiException(413, "Request body is larger than " + limit + " bytes");
            }
            return bytes;
        }
    }

    /** Parses a JSON body; an empty body reads as {@code emptyAs}, or is an error when that is null. */
    static JsonNode parseJson(byte[] body, JsonNode emptyAs) {
        if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            if (emptyAs == null) {
                throw ApiException.badRequest("Invalid JSON body: the body is empty");
            }
            return emptyAs;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("Invalid JSON body: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("Invalid JSON body: " + e.getMessage());
        }
    }

    void ok(JsonNode data) throws IOException {
        json(200, Json.success(data));
    }

    void json(int status, JsonNode body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(status, bytes);
    }

    void empty(int status) throws IOException {
        answered = true;
        exchange.sendResponseHeaders(status, -1);
    }

    void file(Path file, String contentType) throws IOException {
        long size = Files.size(file);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        answered = true;
        // -1 is how HttpServer spells "Content-Length: 0"; 0 would mean chunked
        exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
        try (OutputStream out = exchange.getResponseBody()) {
            Files.copy(file, out);
        }
    }

    /**
     * Starts answering with {@code file} but sends only its first bytes, then nothing: the exchange stays
     * open, past the handler, until {@link #close} or the client gives up.
     */
    void stall(Path file, String contentType, int sentBytes) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(sentBytes);
        }
        exchange.getResponseHeaders().set("Content-Type", contentType);
        answered = true;
        held = true;
        exchange.sendResponseHeaders(200, Files.size(file));
        exchange.getResponseBody().write(head);
        exchange.getResponseBody().flush();
    }

    /** Whether the exchange outlives the handler (a stalled answer), so the router must not close it. */
    boolean held() {
        return held;
    }

    void close() {
        exchange.close();
    }

    void setHeader(String name, String value) {
        exchange.getResponseHeaders().set(name, value);
    }

    boolean answered() {
        return answered;
    }

    private void send(int status, byte[] bytes) throws IOException {
        answered = true;
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
