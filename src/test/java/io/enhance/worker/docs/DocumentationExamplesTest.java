package io.enhance.worker.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.testing.AsyncApiContract;

/**
 * The documentation's messages follow the contract. Every {@code ```json} block of README.md and of the
 * guides under src/docs/ is an example: one with {@code specversion} is a whole event, checked against the
 * message of its {@code type}; one with a {@code type} but no {@code specversion} is an excerpt, whose
 * {@code data} is checked against that message's data schema; any other is a job request.
 */
class DocumentationExamplesTest {

    private static final Pattern JSON_BLOCK = Pattern.compile("^```json\\n(.*?)^```", Pattern.MULTILINE | Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyJsonExampleInTheDocsFollowsTheAsyncApiDocument() throws IOException {
        AsyncApiContract contract = AsyncApiContract.document();
        Map<String, List<String>> problems = new LinkedHashMap<>();
        List<String> checkedAs = new ArrayList<>();
        for (Path file : Documentation.files()) {
            String text = Documentation.text(file);
            Matcher block = JSON_BLOCK.matcher(text);
            while (block.find()) {
                JsonNode example = JSON.readTree(block.group(1));
                String kind;
                List<String> wrong;
                if (!example.has("type")) {
                    kind = "job request";
                    wrong = contract.violations("enhance.requests", example);
                } else {
                    kind = contract.addressOfType(example.path("type").asText());
                    wrong = example.has("specversion") ? contract.violations(kind, example)
                            : contract.dataViolations(kind, example.path("data"));
                }
                checkedAs.add(kind);
                if (!wrong.isEmpty()) {
                    problems.put(file + " line " + Documentation.lineOf(text, block.start()) + " (" + kind + ")", wrong);
                }
            }
        }
        // the docs show at least these; a test that found no example would prove nothing
        assertThat(checkedAs).contains("job request", "job.completed", "batch.completed");
        assertThat(problems).as("examples in the docs that break the contract").isEmpty();
    }
}
