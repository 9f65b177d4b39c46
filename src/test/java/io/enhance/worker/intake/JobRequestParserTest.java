package io.enhance.worker.intake;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.config.S3Config;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

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
                .input("enable_sync_mode", "yes").field("priority", 11).bytes());

        assertThat(parsed.valid()).isFalse();
        assertThat(parsed.jobId()).isEqualTo("j-1");
        assertThat(parsed.batchId()).isEqualTo("b-1");
        assertThat(parsed.problems()).extracting(RequestProblem::field).containsExactlyInAnyOrder(
                "priority", "input.prompt", "input.image", "input.strength", "input.seed", "input.enable_sync_mode");
    }

    @Test
    void takesAPriorityThatSaysWhenNotWhatSoAResendWithAnotherPriorityIsTheSameRequest() {
        JobRequestParser.Parsed urgent = parser.parse(job("p-1", IMAGE).field("priority", -10).bytes());
        JobRequestParser.Parsed plain = parser.parse(job("p-1", IMAGE).bytes());
        JobRequestParser.Parsed fractional = parser.parse(job("p-1", IMAGE).field("priority", 1.5).bytes());

        assertThat(urgent.request().priority()).isEqualTo(-10);
        assertThat(plain.request().priority()).isZero();
        assertThat(urgent.request().digest()).isEqualTo(plain.request().digest());
        assertThat(fractional.problems()).extracting(RequestProblem::field).containsExactly("priority");
    }

    @Test
    void takesACanaryThatSaysWhenNotWhatSoTheDigestIsTheSameWithoutIt() {
        JobRequestParser.Parsed canary = parser.parse(job("c/1", IMAGE).batch("c").field("batch_size", 100)
                .field("canary", 5).bytes());
        JobRequestParser.Parsed plain = parser.parse(job("c/1", IMAGE).batch("c").field("batch_size", 100).bytes());

        assertThat(canary.request().canary()).isEqualTo(5);
        assertThat(plain.request().canary()).isNull();
        assertThat(canary.request().digest()).isEqualTo(plain.request().digest());
    }

    @Test
    void refusesACanaryOfNoJobsOrOfTheWholeBatchOrWithoutABatchSayingWhy() {
        List<Map.Entry<byte[], String>> refused = List.of(
                Map.entry(job("c/0", IMAGE).batch("c").field("canary", 0).bytes(), "must be a whole number from 1"),
                Map.entry(job("c/-1", IMAGE).batch("c").field("canary", -3).bytes(), "must be a whole number from 1"),
                Map.entry(job("c/half", IMAGE).batch("c").field("canary", 1.5).bytes(), "must be a whole number from 1"),
                Map.entry(job("c/alone", IMAGE).field("canary", 5).bytes(), "needs a batch_id"),
                Map.entry(job("c/all", IMAGE).batch("c").field("batch_size", 5).field("canary", 5).bytes(),
                        "must be smaller than batch_size (5)"));
        for (Map.Entry<byte[], String> request : refused) {
            assertThat(parser.parse(request.getKey()).problems()).as(request.getValue()).singleElement()
                    .satisfies(problem -> {
                        assertThat(problem.field()).isEqualTo("canary");
                        assertThat(problem.message()).contains(request.getValue());
                    });
        }
    }

    @Test
    void takesReuseAsTrueFalseOrByUrlAndKeepsTheDigestOfARequestThatGivesTheDefault() {
        JobRequestParser.Parsed plain = parser.parse(job("r-1", IMAGE).bytes());
        JobRequestParser.Parsed spelledOut = parser.parse(job("r-1", IMAGE).field("reuse", true).bytes());
        JobRequestParser.Parsed off = parser.parse(job("r-1", IMAGE).field("reuse", false).bytes());
        JobRequestParser.Parsed byUrl = parser.parse(job("r-1", IMAGE).field("reuse", "by_url").bytes());
        JobRequestParser.Parsed typo = parser.parse(job("r-1", IMAGE).field("reuse", "always").bytes());

        assertThat(plain.request().reuse()).isNull();
        assertThat(spelledOut.request().digest()).isEqualTo(plain.request().digest());
        assertThat(off.request().reuse()).isEqualTo("off");
        assertThat(byUrl.request().reuse()).isEqualTo("by_url");
        assertThat(off.request().digest()).isNotEqualTo(plain.request().digest()).isNotEqualTo(byUrl.request().digest());
        assertThat(typo.problems()).extracting(RequestProblem::field).containsExactly("reuse");
    }

    @Test
    void rejectsAMessageOverTheSizeCapWithoutReadingIt() {
        byte[] huge = new byte[262_145];

        JobRequestParser.Parsed parsed = parser.parse(huge);

        assertThat(parsed.problems()).containsExactly(new RequestProblem("$", "message is 262145 bytes; the limit is 262144"));
    }

    @Test
    void rejectsAKeyPrefixThatDoesNotEndWithASlashBecauseItWouldRunIntoTheJobId() {
        // vp/v + j and vp/ + vj both made vp/vj/0.jpg
        JobRequestParser.Parsed runsIn = parser.parse(job("j", IMAGE).output("enhanced", "vp/v").bytes());
        JobRequestParser.Parsed folder = parser.parse(job("vj", IMAGE).output("enhanced", "vp/").bytes());

        assertThat(runsIn.problems()).containsExactly(new RequestProblem("output.key_prefix",
                "must be empty or end with / (outputs go to {key_prefix}{job_id}/{index}.{ext})"));
        assertThat(folder.problems()).isEmpty();
    }

    @Test
    void countsTheKeyPrefixLimitInUtf8Bytes() {
        JobRequestParser.Parsed tooLong = parser.parse(job("j", IMAGE).output("enhanced", "é".repeat(300) + "/")
                .bytes());
        JobRequestParser.Parsed fits = parser.parse(job("j", IMAGE).output("enhanced", "é".repeat(255) + "/").bytes());

        assertThat(tooLong.problems()).containsExactly(
                new RequestProblem("output.key_prefix", "must be at most 512 bytes in UTF-8, got 601"));
        assertThat(fits.problems()).isEmpty();
    }

    @Test
    void rejectsAPrefixAndJobIdWhoseOutputKeysWouldPassTheS3LimitOf1024Bytes() {
        String slashes = "a" + "/".repeat(199); // 598 bytes once each slash is %2F

        JobRequestParser.Parsed tooLong = parser.parse(job(slashes, IMAGE).output("enhanced", "p".repeat(420) + "/")
                .bytes());

        assertThat(tooLong.problems()).containsExactly(new RequestProblem("output.key_prefix",
                "with this job_id gives output keys of up to 1027 bytes in UTF-8; S3 allows 1024"));
        assertThat(parser.parse(job(slashes, IMAGE).output("enhanced", "p/").bytes()).problems()).isEmpty();
    }

    @Test
    void acceptsOnlyTheAllowedBucketsAndTheDefaultOneWhenBucketsAreRestricted() {
        JobRequestParser restricted = parserWith("s3.allowed-buckets", "enhanced-2, sources");

        assertThat(restricted.parse(job("out", IMAGE).output("elsewhere", "").bytes()).problems()).containsExactly(
                new RequestProblem("output.bucket", "\"elsewhere\" is not a bucket this worker may use (S3_ALLOWED_BUCKETS)"));
        assertThat(restricted.parse(job("in", "s3://elsewhere/in.jpg").bytes()).problems()).containsExactly(
                new RequestProblem("input.image", "bucket \"elsewhere\" is not a bucket this worker may use (S3_ALLOWED_BUCKETS)"));
        assertThat(restricted.parse(job("listed", "s3://sources/in.jpg").output("enhanced-2", "").bytes()).problems())
                .isEmpty();
        assertThat(restricted.parse(job("default", "s3://enhanced/in.jpg").output("enhanced", "").bytes()).problems())
                .isEmpty();
        assertThat(parserWith().parse(job("any", "s3://elsewhere/in.jpg")
                .output("elsewhere-2", "").bytes()).problems()).isEmpty();
    }

    @Test
    void rejectsABucketNameS3WouldRefuseBeforeAnythingIsPaidForIt() {
        for (String bucket : List.of("a..b", "192.168.1.10")) {
            assertThat(parser.parse(job("odd-bucket", IMAGE).output(bucket, "").bytes()).problems()).as(bucket)
                    .containsExactly(new RequestProblem("output.bucket", "is not a valid S3 bucket name: \"" + bucket + "\""));
        }
        assertThat(parser.parse(job("dotted-bucket", IMAGE).output("a.b-c", "").bytes()).problems()).isEmpty();
    }

    @Test
    void describesAnInvalidImageUrlWithoutQuotingItsSignature() {
        String presigned = "https://images.example.com/in.jpg?X-Amz-Signature=secret-signature x";

        JobRequestParser.Parsed parsed = parser.parse(job("signed", presigned).bytes());

        assertThat(parsed.problems()).containsExactly(
                new RequestProblem("input.image", "is not a valid URL: Illegal character in query at index 66"));
    }

    @Test
    void rejectsASourceWaveSpeedCannotReachWithoutQuotingItsUrl() {
        JobRequestParser publicOnly = parserWith(); // not the test profile's, which allows its local sources
        for (String image : List.of("http://127.0.0.1:1/x.jpg?X-Amz-Signature=secret", "https://localhost/x.jpg",
                "http://10.0.0.7/x.jpg", "http://[::1]:8080/x.jpg", "http://169.254.169.254/latest/x.jpg",
                "http://minio:9000/sources/x.jpg", "http://0x7f000001/x.jpg")) {
            List<RequestProblem> problems = publicOnly.parse(job("unreachable", image).bytes()).problems();

            assertThat(problems).as(image).singleElement().satisfies(problem -> {
                assertThat(problem.field()).isEqualTo("input.image");
                assertThat(problem.message()).contains("PIPELINE_SOURCE_PRIVATE_HOSTS").doesNotContain("x.jpg", "Signature");
            });
        }
    }

    @Test
    void acceptsAPrivateSourceHostTheOperatorAllows() {
        JobRequestParser allowing = parserWith("pipeline.source-private-hosts", "127.0.0.1,minio");

        for (String image : List.of("http://127.0.0.1:9000/sources/x.jpg", "http://minio:9000/sources/x.jpg")) {
            assertThat(allowing.parse(job("allowed", image).bytes()).problems()).as(image).isEmpty();
        }
        assertThat(allowing.parse(job("other", "http://10.0.0.7/x.jpg").bytes()).problems()).isNotEmpty();
    }

    /** A parser on its own settings: the application's default bucket, plus {@code settings}. */
    @Test
    void takesANamedOutputKeyWithTheExtensionOfItsOutputFormat() {
        JobRequestParser.Parsed png = parser.parse(job("named", IMAGE).input("output_format", "png")
                .outputKey("holiday/beach/img1.jpg").bytes());
        JobRequestParser.Parsed jpeg = parser.parse(job("named", IMAGE).outputKey("holiday/beach/img1.png").bytes());

        assertThat(png.request().outputKey()).isEqualTo("holiday/beach/img1.png");
        assertThat(png.request().outputKeyPrefix()).isEmpty();
        assertThat(jpeg.request().outputKey()).isEqualTo("holiday/beach/img1.jpg");
    }

    @Test
    void keepsTheDigestOfARequestWithoutOutputKeyAndGivesOneWithAKeyItsOwn() {
        JobRequestParser.Parsed plain = parser.parse(job("d-1", IMAGE).bytes());
        JobRequestParser.Parsed named = parser.parse(job("d-1", IMAGE).outputKey("d/1.v2.jpg").bytes());

        // the digest of this request as every version before output.key computed it
        assertThat(plain.request().digest()).isEqualTo("81a44f70b2ae8820dfe90714740da5916b31de9548f0aae7eaa57d137f91f1ed");
        assertThat(named.request().digest()).isNotEqualTo(plain.request().digest());
    }

    @Test
    void rejectsANamedOutputKeyThatIsUnsafeTooLongOrBesideAKeyPrefix() {
        assertThat(parser.parse(job("k", IMAGE).outputKey("/abs.jpg").bytes()).problems())
                .containsExactly(new RequestProblem("output.key", "must not start with / (it becomes part of the S3 key)"));
        assertThat(parser.parse(job("k", IMAGE).outputKey("a/../b.jpg").bytes()).problems()).containsExactly(
                new RequestProblem("output.key", "must not contain . or .. path segments (it becomes part of the S3 key)"));
        assertThat(parser.parse(job("k", IMAGE).outputKey("a\u0007.jpg").bytes()).problems()).extracting(RequestProblem::field)
                .containsExactly("output.key");
        assertThat(parser.parse(job("k", IMAGE).outputKey("k".repeat(1017) + ".jpg").bytes()).problems()).containsExactly(
                new RequestProblem("output.key", "gives output keys of up to 1025 bytes in UTF-8 ({stem}-999.{ext}); S3 allows 1024"));
        assertThat(parser.parse(job("k", IMAGE).output("enhanced", "p/").outputKey("a.jpg").bytes()).problems())
                .containsExactly(new RequestProblem("output.key",
                        "is the whole key: give output.key or output.key_prefix, not both"));
        assertThat(parser.parse(job("k", IMAGE).outputKey("a/7.png").bytes()).problems()).extracting(RequestProblem::field)
                .containsExactly("output.key");
        assertThat(parser.parse(job("k", IMAGE).field("output", Map.of("key", 7)).bytes()).problems())
                .containsExactly(new RequestProblem("output.key", "must be a string"));
        assertThat(parser.parse(job("k", IMAGE).field("output", Map.of("keys", "a.jpg")).bytes()).problems())
                .extracting(RequestProblem::field).containsExactly("output.keys");
    }

    @Test
    void keepsTheBucketRulesForANamedOutputKey() {
        JobRequestParser restricted = parserWith("s3.allowed-buckets", "enhanced-2");

        assertThat(restricted.parse(job("k", IMAGE).field("output", Map.of("bucket", "elsewhere", "key", "a.jpg")).bytes())
                .problems()).containsExactly(new RequestProblem("output.bucket",
                        "\"elsewhere\" is not a bucket this worker may use (S3_ALLOWED_BUCKETS)"));
    }

    private static JobRequestParser parserWith(String... settings) {
        Map<String, String> values = new HashMap<>(Map.of("s3.bucket", "enhanced"));
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(S3Config.class).withMapping(QueuesConfig.class)
                .withMapping(PipelineConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter()).withDefaultValues(values).build();
        return new JobRequestParser(new ObjectMapper(), config.getConfigMapping(S3Config.class),
                config.getConfigMapping(QueuesConfig.class), config.getConfigMapping(PipelineConfig.class));
    }
}
