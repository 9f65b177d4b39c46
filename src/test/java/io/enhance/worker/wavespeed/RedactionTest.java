package io.enhance.worker.wavespeed;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class RedactionTest {

    private static final String PRESIGNED = "https://s3.example.com/sources/in.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAEXAMPLE%2F20261124&X-Amz-Signature=0123456789abcdef";

    @Test
    void cutsTheQueryOffEveryUrlInAText() {
        assertThat(Redaction.withoutUrlQueries("Failed to download image " + PRESIGNED + ": HTTP 403"))
                .isEqualTo("Failed to download image https://s3.example.com/sources/in.png?…: HTTP 403");
    }

    @Test
    void leavesTextWithoutUrlQueriesAlone() {
        assertThat(Redaction.withoutUrlQueries("image https://x.test/a.png is not a JPEG"))
                .isEqualTo("image https://x.test/a.png is not a JPEG");
    }

    @Test
    void aPredictionErrorNeverCarriesAPresignedSignature() throws Exception {
        Prediction prediction = Prediction.from(new ObjectMapper().readTree(
                "{\"id\":\"a\",\"status\":\"failed\",\"error\":\"Failed to download image " + PRESIGNED + "\"}"));

        assertThat(prediction.error()).doesNotContain("X-Amz-Signature").doesNotContain("AKIAEXAMPLE")
                .endsWith("in.png?…");
    }
}
