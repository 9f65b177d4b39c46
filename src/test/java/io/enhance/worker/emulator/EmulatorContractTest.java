package io.enhance.worker.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Holds the emulator to the documented JSON that the worker's client is tested against
 * ({@code src/test/resources/wavespeed/}): every field the documentation shows is there, with
 * the same JSON type, so the emulator and the client's fixtures cannot drift apart.
 */
class EmulatorContractTest extends EmulatorTestSupport {

    @Test
    void aSubmitAnswersLikeTheDocumentedCreatedPrediction() throws IOException {
        EmulatorClient.Reply reply = api.post(SUBMIT, input(pngUrl));

        assertThat(reply.status()).isEqualTo(200);
        assertSameShape(fixture("submit-created.json"), reply.json(), "$");
        assertThat(reply.data().path("id").asText()).matches("[0-9a-f]{32}");
    }

    @Test
    void aFinishedResultAnswersLikeTheDocumentedCompletedPrediction() throws IOException {
        String id = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();
        api.awaitFinished(id);

        EmulatorClient.Reply reply = api.get("/api/v3/predictions/" + id + "/result");

        assertSameShape(fixture("result-completed.json"), reply.json(), "$");
        assertThat(reply.data().path("has_nsfw_contents")).hasSize(reply.data().path("outputs").size());
    }

    @Test
    void aPromptHoldingTheFlagWordCompletesWithItsOutputFlaggedInTheResultAndTheHistoryAndNoOtherDoes() {
        emulator.settings().setFlaggedPrompt("flag-me");
        try {
            String flagged = api.post(SUBMIT, input(pngUrl).put("prompt", "a cat, flag-me")).data().path("id").asText();
            String plain = api.post(SUBMIT, input(pngUrl)).data().path("id").asText();

            assertThat(api.awaitFinished(flagged).path("has_nsfw_contents").toString()).isEqualTo("[true]");
            assertThat(api.awaitFinished(plain).path("has_nsfw_contents").toString()).isEqualTo("[false]");
            JsonNode items = api.post("/api/v3/predictions", "{\"page\":1,\"page_size\":100}").data().path("items");
            List<String> listed = new ArrayList<>();
            items.forEach(item -> {
                if (item.path("id").asText().equals(flagged)) {
                    listed.add(item.path("has_nsfw_contents").toString());
                }
            });
            assertThat(listed).as("the history item").containsExactly("[true]");
        } finally {
            emulator.settings().setFlaggedPrompt(EmulatorSettings.DEFAULT_FLAGGED_PROMPT);
        }
        assertThat(EmulatorSettings.fromEnvironment(Map.of("EMULATOR_FLAGGED_PROMPT", ""), null).getFlaggedPrompt())
                .as("empty flags none").isNull();
    }

    @ParameterizedTest
    @EnumSource(HistoryShape.class)
    void theHistoryListsPredictionsLikeTheDocumentedFixtureWithTheirRequestOnlyWhenAskedTo(HistoryShape shape)
            throws IOException {
        emulator.settings().setHistoryShape(shape);
        api.post(SUBMIT, input(pngUrl).put("seed", 7).put("output_format", "jpeg").put("enable_base64_output", false)
                .put("enable_sync_mode", false));

        EmulatorClient.Reply reply = api.post("/api/v3/predictions",
                "{\"page\":1,\"page_size\":100,\"model\":\"wavespeed-ai/flux-1-srpo/image-to-image\"}");

        JsonNode documented = fixture("history-page.json");
        JsonNode item = reply.data().path("items").get(0);
        if (shape == HistoryShape.WITH_INPUT) {
            assertSameShape(documented, reply.json(), "$");
            assertThat(item.path("input").path("image").asText()).isEqualTo(pngUrl);
        } else {
            ((ObjectNode) documented.path("data").path("items").get(0)).remove("input");
            assertSameShape(documented, reply.json(), "$");
            assertThat(item.properties()).extracting(Map.Entry::getKey).containsExactlyInAnyOrder("id", "model",
                    "outputs", "urls", "has_nsfw_contents", "status", "created_at", "error", "executionTime", "timings");
        }
    }

    @Test
    void errorsAnswerWithTheDocumentedMessageField() throws IOException {
        for (Map.Entry<String, EmulatorClient.Reply> error : Map.of(
                "error-400.json", api.post(SUBMIT, bad("strength", "1.5")),
                "error-401.json", api.withKey("wrong").post(SUBMIT, input(pngUrl)),
                "error-404.json", api.get("/api/v3/predictions/00000000000000000000000000000000/result"))
                .entrySet()) {
            JsonNode documented = fixture(error.getKey());
            assertThat(error.getValue().json().path("message").isTextual()).as(error.getKey()).isTrue();
            assertThat(error.getValue().json().path("message").asText()).as(error.getKey()).isNotBlank();
            if (documented.has("code")) {
                assertThat(error.getValue().json().path("code").asInt()).as(error.getKey())
                        .isEqualTo(documented.path("code").asInt());
            }
        }
    }

    /** Every field of {@code documented} exists in {@code actual} with the same JSON type, recursively. */
    private static void assertSameShape(JsonNode documented, JsonNode actual, String path) {
        assertThat(actual.getNodeType()).as(path).isEqualTo(documented.getNodeType());
        if (documented.isObject()) {
            for (Iterator<String> names = documented.fieldNames(); names.hasNext();) {
                String name = names.next();
                assertThat(actual.has(name)).as(path + "." + name + " present").isTrue();
                assertSameShape(documented.get(name), actual.get(name), path + "." + name);
            }
        } else if (documented.isArray() && documented.size() > 0 && actual.size() > 0) {
            assertSameShape(documented.get(0), actual.get(0), path + "[0]");
        }
    }

    private static JsonNode fixture(String name) throws IOException {
        try (InputStream in = EmulatorContractTest.class.getClassLoader().getResourceAsStream("wavespeed/" + name)) {
            return EmulatorClient.JSON.readTree(in);
        }
    }
}
