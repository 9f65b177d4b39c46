package io.enhance.worker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;

/**
 * A consumer written from the AsyncAPI document alone ({@code src/main/asyncapi/asyncapi.yaml}): it finds the
 * channel for an address, follows the channel's message {@code $ref} to its payload, and validates against that
 * JSON Schema, whose {@code $ref}s lead to the schema files beside the document. No worker class is read.
 */
public final class AsyncApiContract {

    /** Where the document lies in the repository; tests run from the project folder. */
    public static final Path DOCUMENT = Path.of("src/main/asyncapi/asyncapi.yaml");

    private static final String SCHEMA_IDS = "https://enhance-worker.example/schemas/";
    private static final AsyncApiContract INSTANCE = new AsyncApiContract(DOCUMENT);

    private final JsonNode document;
    private final SchemaLocation location;
    private final JsonSchemaFactory factory;
    private final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
    private final Map<String, JsonSchema> messages = new ConcurrentHashMap<>();
    private final Map<String, JsonSchema> data = new ConcurrentHashMap<>();

    private AsyncApiContract(Path file) {
        try {
            document = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("the AsyncAPI document " + file + " does not parse", e);
        }
        URI uri = file.toAbsolutePath().toUri();
        location = SchemaLocation.of(uri.toString());
        // the schemas' $ids name them; the files beside the document are those schemas
        factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, builder -> builder.schemaMappers(
                mappers -> mappers.mapPrefix(SCHEMA_IDS, uri.resolve("schemas/").toString())));
    }

    public static AsyncApiContract document() {
        return INSTANCE;
    }

    /** What is wrong with {@code message} as the message of the channel at {@code address}; empty if nothing. */
    public List<String> violations(String address, JsonNode message) {
        return messages.computeIfAbsent(address, key -> factory.getSchema(location, payload(key), config))
                .validate(message).stream().map(Object::toString).toList();
    }

    /** What is wrong with {@code data} as the {@code data} of the event at {@code address}, checked on its own. */
    public List<String> dataViolations(String address, JsonNode eventData) {
        return data.computeIfAbsent(address, key -> factory.getSchema(location, dataSchema(key), config))
                .validate(eventData).stream().map(Object::toString).toList();
    }

    /** The address of the channel whose message is a CloudEvent of {@code type}, as its payload schema pins it. */
    public String addressOfType(String type) {
        return StreamSupport.stream(document.path("channels").spliterator(), false)
                .map(channel -> channel.path("address").asText())
                .filter(address -> StreamSupport.stream(payload(address).path("allOf").spliterator(), false)
                        .anyMatch(part -> type.equals(part.path("properties").path("type").path("const").asText(null))))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the AsyncAPI document has no message of type " + type));
    }

    /** The payload schema of the one message of the channel whose address is {@code address}. */
    private JsonNode payload(String address) {
        JsonNode channel = StreamSupport.stream(document.path("channels").spliterator(), false)
                .filter(candidate -> address.equals(candidate.path("address").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the AsyncAPI document has no channel " + address));
        List<JsonNode> channelMessages = StreamSupport.stream(channel.path("messages").spliterator(), false).toList();
        if (channelMessages.size() != 1) {
            throw new AssertionError("channel " + address + " should have one message, has " + channelMessages.size());
        }
        JsonNode message = resolve(channelMessages.get(0));
        JsonNode payload = message.path("payload");
        // a Multi Format Schema Object holds the JSON Schema under "schema"
        return payload.has("schemaFormat") ? payload.path("schema") : payload;
    }

    /** The schema the payload gives its {@code data} property, in whichever part of an {@code allOf} it is. */
    private JsonNode dataSchema(String address) {
        JsonNode payload = payload(address);
        for (JsonNode part : payload.path("allOf")) {
            if (part.path("properties").has("data")) {
                return part.path("properties").path("data");
            }
        }
        throw new AssertionError("the message of channel " + address + " says nothing about its data");
    }

    /** Follows a local {@code $ref} ({@code #/components/...}) within the document. */
    private JsonNode resolve(JsonNode node) {
        String ref = node.path("$ref").asText("");
        if (ref.isEmpty()) {
            return node;
        }
        if (!ref.startsWith("#/")) {
            throw new AssertionError("only local $refs are expected between AsyncAPI objects, got " + ref);
        }
        JsonNode target = document.at(ref.substring(1));
        if (target.isMissingNode()) {
            throw new AssertionError("the AsyncAPI document's " + ref + " leads nowhere");
        }
        return resolve(target);
    }
}
