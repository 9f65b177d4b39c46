package io.enhance.worker.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestS3;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** The benchmark's S3 stand-in answers the AWS SDK as S3 would, for the calls the worker and the emulator make. */
class MemoryS3Test {

    @Test
    void storesWhatTheAwsSdkPutsAndAnswersItBackByteForByte() throws Exception {
        HttpServer server = MemoryS3.start(0);
        try {
            TestS3 s3 = TestS3.connect(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                    .createBuckets(TestS3.SOURCES_BUCKET);
            byte[] image = TestImages.card(32, 32, 3);
            String source = s3.putSource("cards/3.png", image);
            assertThat(source).isEqualTo("s3://sources/cards/3.png");
            assertThat(s3.get(TestS3.SOURCES_BUCKET, "cards/3.png")).isEqualTo(image);
            assertThatThrownBy(() -> s3.get(TestS3.SOURCES_BUCKET, "cards/4.png")).isInstanceOf(NoSuchKeyException.class);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void decodesAnAwsChunkedBodyWithSignaturesAndTrailers() {
        String body = "5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=0f\r\n"
                + "x-amz-checksum-crc32:AAAAAA==\r\n\r\n";
        assertThat(new String(MemoryS3.decodeChunks(body.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII))
                .isEqualTo("hello world");
    }
}
