package io.enhance.worker.intake;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.events.JobEvents.Problem;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class JobRequestParserTest {

    private static final String IMAGE = "https://images.example.com/in.jpg";

    @Inject
    JobRequestParser parser;

    @Test
    void fillsTheModelDefaultsSoTheStoredInputIsExactlyWhatIsSubmitted() {
        JobRequestParser.Parsed parsed = parser.parse(job("batch-42/img-0001", IMAGE).bytes());

        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.request().input()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "prompt", "enhance batch-42/img-0001", "image", IMAGE, "strength", 0.8, "num_inference_steps", 28L,
                "seed", -1L, "guidance_scale", 3.5, "output_format", "jpeg", "enable_base64_output", false,
                "enable_sync_mode", false));
        assertThat(parsed.request().outputBucket()).isEqualTo("enhanced");
        assertThat(parsed.request().outputKeyPrefix()).isEmpty();
    }

    @Test
    void keepsTheDocumentedExampleRequestAsSent() {
        JobRequestParser.Parsed parsed = parser.parse(job("batch-42/img-0001", "s3://sources/in.jpg").batch("batch-42")
                .input("strength", 0.8).input("num_inference_steps", 28).input("seed", 7).input("guidance_scale", 3.5)
                .input("output_format", "png").output("enhanced-2", "batch-42/").metadata("customer", "acme").bytes());

        assertThat(parsed.valid()).isTrue();
        assertThat(parsed.request().batchId()).isEqualTo("batch-42");
        assertThat(parsed.request().input()).containsEntry("seed", 7L).containsEntry("output_format", "png");
        assertThat(parsed.request().outputBucket()).isEqualTo("enhanced-2");
        assertThat(parsed.request().outputKeyPrefix()).isEqualTo("batch-42/");
        assertThat(parsed.request().metadata()).containsExactly(Map.entry("customer", "acme"));
    }

    @Test
    void namesEveryProblemInOneRejectionAndKeepsTheIdsItCouldRead() {
        JobRequestParser.Parsed parsed = parser.parse(job("j-1", "file:///etc/passwd").batch("b-1")
                .withoutInput("prompt").input("strength", -0.1).input("seed", 2147483648L)
                .input("enable_sync_mode", "yes").field("priority", 5).bytes());

        assertThat(parsed.valid()).isFalse();
        assertThat(parsed.jobId()).isEqualTo("j-1");
        assertThat(parsed.batchId()).isEqualTo("b-1");
        assertThat(parsed.problems()).extracting(Problem::field).containsExactlyInAnyOrder(
                "priority", "input.prompt", "input.image", "input.strength", "input.seed", "input.enable_sync_mode");
    }

    @Test
    void rejectsAMessageOverTheSizeCapWithoutReadingIt() {
        byte[] huge = new byte[262_145];

        JobRequestParser.Parsed parsed = parser.parse(huge);

        assertThat(parsed.problems()).containsExactly(new Problem("$", "message is 262145 bytes; the limit is 262144"));
    }
}
