package io.enhance.worker.intake;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.testing.AsyncApiContract;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.JobRequestBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The published job request schema says what intake does: for requests bent one rule at a time, the
 * schema (found through the AsyncAPI document's request channel) and {@link JobRequestParser} agree.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class JobRequestSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUESTS = "enhance.requests";
    private static final String IMAGE = "https://images.example.com/in.jpg";

    @Inject
    JobRequestParser parser;

    @Test
    void aRequestWithoutJobIdOrWithStrengthFiveBreaksTheSchema() {
        assertThat(violations(job("no-id", IMAGE).without("job_id"))).anyMatch(v -> v.contains("job_id"));
        assertThat(violations(job("too-strong", IMAGE).input("strength", 5))).anyMatch(v -> v.contains("strength"));
        assertThat(violations(job("fine", IMAGE))).isEmpty();
    }

    @Test
    void theSchemaAcceptsExactlyTheRequestsIntakeAccepts() {
        Map<String, Boolean> disagreements = new LinkedHashMap<>();
        Map<String, JobRequestBuilder> accepted = accepted();
        Map<String, JobRequestBuilder> refused = refused();
        List<String> unexpected = new ArrayList<>();
        accepted.forEach((name, request) -> check(name, request, true, disagreements, unexpected));
        refused.forEach((name, request) -> check(name, request, false, disagreements, unexpected));

        assertThat(unexpected).as("cases whose intake outcome is not the one this test expects").isEmpty();
        assertThat(disagreements).as("requests where the schema's verdict (true = valid) differs from intake's").isEmpty();
    }

    private void check(String name, JobRequestBuilder request, boolean valid, Map<String, Boolean> disagreements,
            List<String> unexpected) {
        byte[] body = request.bytes();
        boolean parsed = parser.parse(body).valid();
        if (parsed != valid) {
            unexpected.add(name + ": intake says " + parser.parse(body).problems());
        }
        List<String> violations = violations(body);
        if (violations.isEmpty() != parsed) {
            disagreements.put(name + " " + violations, violations.isEmpty());
        }
    }

    private static Map<String, JobRequestBuilder> accepted() {
        Map<String, JobRequestBuilder> cases = new LinkedHashMap<>();
        cases.put("the smallest request", job("a", IMAGE));
        cases.put("every field", job("batch-42/img-0001", "s3://sources/in.jpg").batch("batch-42")
                .field("batch_size", 10_000_000).field("canary", 5).field("priority", -10).input("strength", 0.0)
                .input("num_inference_steps", 50).input("seed", 2_147_483_647).input("guidance_scale", 20.0)
                .input("output_format", "png").input("enable_base64_output", true).input("enable_sync_mode", false)
                .output("enhanced", "batch-42/").metadata("customer", "acme"));
        cases.put("nulls for optional fields", job("nulls", IMAGE).field("batch_id", null).field("batch_size", null)
                .field("priority", null).field("output", null).field("metadata", null).input("strength", null)
                .input("seed", null).input("output_format", null));
        cases.put("the lowest seed and steps", job("low", "http://images.example.com/x").input("seed", -1)
                .input("num_inference_steps", 1).input("strength", 1).input("guidance_scale", 1));
        cases.put("an id of every allowed character", job("Az09._:/-x", IMAGE).field("priority", 10));
        cases.put("a 200-character id", job("j".repeat(200), IMAGE));
        cases.put("an empty key prefix", job("empty-prefix", IMAGE).output("enhanced", ""));
        cases.put("reuse opted out", job("no-reuse", IMAGE).input("seed", 7).field("reuse", false));
        cases.put("reuse by URL", job("by-url", IMAGE).input("seed", 7).field("reuse", "by_url"));
        cases.put("reuse null", job("reuse-null", IMAGE).field("reuse", null));
        cases.put("an output key", job("named", IMAGE).outputKey("holiday/beach/img1.png"));
        cases.put("an output key without extension", job("named-bare", IMAGE).outputKey("holiday/beach/img1"));
        cases.put("an output key of digits and more", job("named-digits", IMAGE).outputKey("scans/0001.jpg"));
        return cases;
    }

    private static Map<String, JobRequestBuilder> refused() {
        Map<String, JobRequestBuilder> cases = new LinkedHashMap<>();
        cases.put("no job_id", job("x", IMAGE).without("job_id"));
        cases.put("a 201-character id", job("j".repeat(201), IMAGE));
        cases.put("a space in the id", job("a b", IMAGE));
        cases.put("an id starting with /", job("/abs", IMAGE));
        cases.put("a .. segment in the id", job("a/../b", IMAGE));
        cases.put("a bad batch id", job("bad-batch", IMAGE).batch("a b"));
        cases.put("a .. segment in the batch id", job("batch-dots", IMAGE).batch("../submissions"));
        cases.put("a . segment in the batch id", job("batch-dot", IMAGE).batch("a/./b"));
        cases.put("a batch id starting with /", job("batch-abs", IMAGE).batch("/batches"));
        cases.put("an unknown field", job("typo", IMAGE).field("prioritty", 1));
        cases.put("an unknown parameter", job("typo-input", IMAGE).input("strenght", 0.5));
        cases.put("no input", job("no-input", IMAGE).without("input"));
        cases.put("no prompt", job("no-prompt", IMAGE).withoutInput("prompt"));
        cases.put("a blank prompt", job("blank", IMAGE).input("prompt", "  "));
        cases.put("no image", job("no-image", IMAGE).withoutInput("image"));
        cases.put("an ftp image", job("ftp", "ftp://images.example.com/x.jpg"));
        cases.put("an s3 image without a key", job("s3-bucket-only", "s3://sources"));
        cases.put("strength 5", job("strong", IMAGE).input("strength", 5));
        cases.put("strength as text", job("text", IMAGE).input("strength", "0.5"));
        cases.put("0 steps", job("steps0", IMAGE).input("num_inference_steps", 0));
        cases.put("51 steps", job("steps51", IMAGE).input("num_inference_steps", 51));
        cases.put("a seed of -2", job("seed", IMAGE).input("seed", -2));
        cases.put("a seed past int", job("seed-big", IMAGE).input("seed", 2_147_483_648L));
        cases.put("guidance 0.5", job("guidance", IMAGE).input("guidance_scale", 0.5));
        cases.put("a gif", job("gif", IMAGE).input("output_format", "gif"));
        cases.put("sync mode as text", job("sync", IMAGE).input("enable_sync_mode", "yes"));
        cases.put("batch_size 0", job("size0", IMAGE).batch("b").field("batch_size", 0));
        cases.put("batch_size past ten million", job("size-big", IMAGE).batch("b").field("batch_size", 10_000_001));
        cases.put("batch_size without batch_id", job("size-alone", IMAGE).field("batch_size", 3));
        cases.put("canary 0", job("canary0", IMAGE).batch("b").field("canary", 0));
        cases.put("canary not a number", job("canary-text", IMAGE).batch("b").field("canary", "5"));
        cases.put("canary without batch_id", job("canary-alone", IMAGE).field("canary", 5));
        cases.put("priority 11", job("priority", IMAGE).field("priority", 11));
        cases.put("reuse by another name", job("reuse-typo", IMAGE).field("reuse", "by_content"));
        cases.put("reuse as a number", job("reuse-number", IMAGE).field("reuse", 1));
        cases.put("a key prefix without a final /", job("prefix", IMAGE).output("enhanced", "out"));
        cases.put("a key prefix starting with /", job("prefix-abs", IMAGE).output("enhanced", "/out/"));
        cases.put("a .. segment in the key prefix", job("prefix-dots", IMAGE).output("enhanced", "a/../"));
        cases.put("a backslash in the key prefix", job("prefix-backslash", IMAGE).output("enhanced", "a\\b/"));
        cases.put("a key prefix over 512 characters", job("prefix-long", IMAGE).output("enhanced", "p".repeat(512) + "/"));
        cases.put("an output key with a key prefix", job("named-prefix", IMAGE).output("enhanced", "p/").outputKey("a.jpg"));
        cases.put("an output key starting with /", job("named-abs", IMAGE).outputKey("/a.jpg"));
        cases.put("an output key ending with /", job("named-folder", IMAGE).outputKey("a/"));
        cases.put("an empty output key", job("named-empty", IMAGE).outputKey(""));
        cases.put("a .. segment in the output key", job("named-dots", IMAGE).outputKey("a/../b.jpg"));
        cases.put("a control character in the output key", job("named-control", IMAGE).outputKey("a\tb.jpg"));
        cases.put("a bare number as output file name", job("named-index", IMAGE).outputKey("a/12.JPEG"));
        cases.put("an upper-case bucket", job("bucket-case", IMAGE).output("Enhanced", ""));
        cases.put("an IP address as bucket", job("bucket-ip", IMAGE).output("192.168.1.10", ""));
        cases.put("a .. in the bucket", job("bucket-dots", IMAGE).output("a..b", ""));
        cases.put("a number in metadata", job("metadata", IMAGE).field("metadata", Map.of("n", 1)));
        cases.put("an unknown output field", job("output-field", IMAGE).field("output", Map.of("region", "x")));
        return cases;
    }

    private static List<String> violations(JobRequestBuilder request) {
        return violations(request.bytes());
    }

    private static List<String> violations(byte[] body) {
        try {
            JsonNode message = JSON.readTree(body);
            return AsyncApiContract.document().violations(REQUESTS, message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
