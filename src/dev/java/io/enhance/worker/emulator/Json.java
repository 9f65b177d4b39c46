package io.enhance.worker.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The emulator's one JSON mapper and WaveSpeed's {@code {code, message, data}} envelope. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ObjectNode success(JsonNode data) {
        ObjectNode envelope = object().put("code", 200).put("message", "success");
        envelope.set("data", data);
        return envelope;
    }

    static ObjectNode error(int code, String message) {
        ObjectNode envelope = object().put("code", code).put("message", message);
        envelope.putNull("data");
        return envelope;
    }
}
