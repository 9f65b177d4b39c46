package io.enhance.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

import io.enhance.worker.config.S3Config;
import io.enhance.worker.local.EmbeddedS3Store;
import io.enhance.worker.s3.S3Clients;
import io.enhance.worker.testing.TestImages;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** S3 refusals that no retry can change end the delivery with a clear code; only passing trouble is tried again. */
class OutputUploadsTest {

    private HttpServer stub;
    private final AtomicReference<Map.Entry<Integer, String>> answer = new AtomicReference<>();
    private final AtomicInteger requests = new AtomicInteger();
    private FetchedOutput output;

    @BeforeEach
    void start(@TempDir Path dir) throws IOException {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + answer.get().getValue()
                    + "</Code><Message>refused by the stub</Message><RequestId>1</RequestId></Error>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/xml");
            exchange.sendResponseHeaders(answer.get().getKey(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        stub.start();
        byte[] image = TestImages.card(8, 8, 2);
        Path file = Files.write(dir.resolve("out.png"), image);
        output = new FetchedOutput(file, ImageType.PNG, image.length, TestImages.sha256(image), 8, 8);
    }

    @AfterEach
    void stop() {
        stub.stop(0);
    }

    @Test
    void failsForGoodWhenTheBucketIsInAnotherRegion() {
        answer.set(Map.entry(301, "PermanentRedirect"));

        DeliveryException failure = putFailure(stubbed(), "enhanced", "job/0.png");

        assertThat(failure.permanent).isTrue();
        assertThat(failure.code).isEqualTo("output_bucket_wrong_region");
    }

    @Test
    void failsForGoodOnAKeyOverS3sLimitWithoutSendingIt() {
        answer.set(Map.entry(400, "KeyTooLongError"));
        String longKey = "é".repeat(600) + "/0.png"; // 600 characters, 1,206 bytes

        assertThat(putFailure(stubbed(), "enhanced", longKey).code).isEqualTo("output_key_invalid");
        assertThat(requests).hasValue(0);
        assertThat(putFailure(stubbed(), "enhanced", "job/0.png").code).as("S3's own refusal").isEqualTo("output_key_invalid");
    }

    @Test
    void failsForGoodOnAnInvalidBucketNameAndAnyOtherClientError() {
        answer.set(Map.entry(400, "InvalidBucketName"));
        assertThat(putFailure(stubbed(), "enhanced", "job/0.png").code).isEqualTo("output_bucket_invalid");

        answer.set(Map.entry(400, "InvalidArgument"));
        DeliveryException other = putFailure(stubbed(), "enhanced", "job/0.png");
        assertThat(other.permanent).isTrue();
        assertThat(other.code).isEqualTo("output_upload_refused");
    }

    @Test
    void failsForGoodOnTheBucketNameADotDotBInARealStore() {
        try (EmbeddedS3Store store = EmbeddedS3Store.inMemory(0, "test", "test-secret-key")) {
            DeliveryException failure = putFailure(client(store.endpoint()), "a..b", "job/0.png");

            assertThat(failure.permanent).as(failure.getMessage()).isTrue();
            assertThat(failure.code).isEqualTo("output_bucket_invalid");
        }
    }

    @Test
    void triesAgainOnServerErrorsSlowDownAndThrottling() {
        for (Map.Entry<Integer, String> passing : new Map.Entry[] {Map.entry(500, "InternalError"),
                Map.entry(503, "SlowDown"), Map.entry(429, "TooManyRequests"), Map.entry(400, "RequestTimeout")}) {
            answer.set(passing);
            DeliveryException failure = putFailure(stubbed(), "enhanced", "job/0.png");
            assertThat(failure.permanent).as(passing.toString()).isFalse();
        }
    }

    @Test
    void anUploadToAStoreThatNeverAnswersEndsAtTheCallDeadline() {
        stub.createContext("/silent/", exchange -> exchange.getRequestBody().readAllBytes()); // and no answer
        S3Client s3 = new S3Clients().s3Client(new StubConfig(URI.create("http://127.0.0.1:" + stub.getAddress().getPort())));

        DeliveryException failure = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> putFailure(s3, "silent", "job/0.png"));

        assertThat(failure.permanent).isFalse();
        assertThat(requests).as("calls that reached the answering stub rather than the silent one").hasValue(0);
    }

    /** The worker's S3 settings against the stub, with short deadlines. */
    private record StubConfig(URI stub) implements S3Config {
        public Optional<String> endpoint() {
            return Optional.of(stub.toString());
        }

        public Optional<String> region() {
            return Optional.of("us-east-1");
        }

        public Optional<String> bucket() {
            return Optional.empty();
        }

        public boolean pathStyle() {
            return true;
        }

        public Optional<String> accessKeyId() {
            return Optional.of("test");
        }

        public Optional<String> secretAccessKey() {
            return Optional.of("test-secret-key");
        }

        public Optional<List<String>> allowedBuckets() {
            return Optional.empty();
        }

        public Duration callTimeout() {
            return Duration.ofSeconds(3);
        }

        public Duration attemptTimeout() {
            return Duration.ofSeconds(1);
        }

        public Duration connectTimeout() {
            return Duration.ofSeconds(1);
        }

        public Duration sourceUrlExpiry() {
            return Duration.ofHours(1);
        }

        public FlaggedOutputs flaggedOutputs() {
            return FlaggedOutputs.DELIVER;
        }
    }

    private S3Client stubbed() {
        return client(URI.create("http://127.0.0.1:" + stub.getAddress().getPort()));
    }

    private static S3Client client(URI endpoint) {
        return S3Client.builder().endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test-secret-key")))
                .overrideConfiguration(call -> call.apiCallTimeout(Duration.ofSeconds(20)))
                .build();
    }

    private DeliveryException putFailure(S3Client s3, String bucket, String key) {
        Throwable thrown = catchThrowable(() -> new OutputUploads(s3).put(bucket, key, output, "job"));
        assertThat(thrown).as(bucket + "/" + key).isInstanceOf(DeliveryException.class);
        return (DeliveryException) thrown;
    }
}
