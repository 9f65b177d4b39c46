package io.enhance.worker.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.testing.AsyncApiContract;
import io.enhance.worker.testing.NodeScripts;

/**
 * The official AsyncAPI parser (npm {@code @asyncapi/parser}, pinned) reads the document without an error,
 * resolves the schema files it names, and sees every channel with its AMQP binding.
 */
class AsyncApiParserIT {

    private static final String PARSER = "@asyncapi/parser@3.6.6";
    private static final Set<String> ROUTING_KEYS = Set.of("job.completed", "job.failed", "job.rejected",
            "job.cancelled", "job.retried", "batch.completed", "batch.paused", "batch.resumed", "batch.cancelled",
            "batch.awaiting_approval", "batch.approved", "batch.rejected", "submissions.paused", "submissions.resumed");

    @Test
    void theOfficialParserReadsTheDocumentAndResolvesEverySchema() throws Exception {
        Path work = Files.createDirectories(Path.of("target/asyncapi-parser"));
        NodeScripts.run(work, List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", PARSER), Map.of(), 300);
        Files.copy(Path.of("src/test/js/asyncapi-check.mjs"), work.resolve("asyncapi-check.mjs"),
                StandardCopyOption.REPLACE_EXISTING);

        Map<String, JsonNode> checks = NodeScripts.checks(NodeScripts.run(work, List.of("node", "asyncapi-check.mjs",
                AsyncApiContract.DOCUMENT.toAbsolutePath().toString()), Map.of(), 120));

        assertThat(checks.get("parse").path("parsed").asBoolean()).as("parsed; errors: %s", checks.get("parse")).isTrue();
        assertThat(checks.get("parse").path("errors")).isEmpty();
        assertThat(checks.get("enhance.requests").path("amqp").asText()).isEqualTo("queue");
        assertThat(checks.get("enhance.requests.dlq").path("amqp").asText()).isEqualTo("queue");
        for (String key : ROUTING_KEYS) {
            assertThat(checks.get(key)).as(key).isNotNull();
            assertThat(checks.get(key).path("amqp").asText()).as(key).isEqualTo("routingKey");
            assertThat(checks.get(key).path("exchange").asText()).as(key).isEqualTo("enhance.events");
            assertThat(checks.get(key).path("dataSchemaId").asText()).as(key)
                    .isEqualTo(JobEvents.SCHEMA_BASE + key.replace('.', '-').replace('_', '-') + "/v1.json");
        }
    }
}
