package io.enhance.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.WebhookSigner;

/** The worker's verifier against signatures made the documented way by the emulator's own signer. */
class WebhookSignaturesTest {

    private static final String SECRET = "whsec_test-signing-secret";
    private static final String ID = "msg_2b7f0c";
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final long TIMESTAMP = NOW.getEpochSecond();
    private static final byte[] BODY = "{\"id\":\"5d1f0c2a9b8e4f7d8c6b5a4e3d2c1b0a\",\"status\":\"completed\"}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void acceptsADeliverySignedWithTheSecretAsUtf8Bytes() {
        String signature = WebhookSigner.sign(SECRET, ID, TIMESTAMP, BODY);

        assertThat(signature).startsWith("v3,").hasSize(3 + 64);
        assertThat(WebhookSignatures.problem(SECRET, ID, String.valueOf(TIMESTAMP), signature, BODY, NOW)).isEmpty();
    }

    @Test
    void refusesASignatureMadeWithAnotherSecret() {
        String forged = WebhookSigner.sign("whsec_someone-else", ID, TIMESTAMP, BODY);

        assertThat(WebhookSignatures.problem(SECRET, ID, String.valueOf(TIMESTAMP), forged, BODY, NOW))
                .contains("signature does not match");
    }

    @Test
    void refusesABodyWithOneByteChanged() {
        String signature = WebhookSigner.sign(SECRET, ID, TIMESTAMP, BODY);
        byte[] changed = BODY.clone();
        changed[changed.length - 3] ^= 1;

        assertThat(WebhookSignatures.problem(SECRET, ID, String.valueOf(TIMESTAMP), signature, changed, NOW))
                .contains("signature does not match");
    }

    @Test
    void refusesTimestampsMoreThan300SecondsAwayEitherWay() {
        for (long skew : new long[] { -301, 301 }) {
            long timestamp = TIMESTAMP + skew;
            String signature = WebhookSigner.sign(SECRET, ID, timestamp, BODY);
            assertThat(WebhookSignatures.problem(SECRET, ID, String.valueOf(timestamp), signature, BODY, NOW))
                    .as("skew %d s", skew).isPresent();
        }
        long edge = TIMESTAMP - 300;
        assertThat(WebhookSignatures.problem(SECRET, ID, String.valueOf(edge),
                WebhookSigner.sign(SECRET, ID, edge, BODY), BODY, NOW)).isEmpty();
    }

    @Test
    void refusesADeliveryMissingAnyHeader() {
        String signature = WebhookSigner.sign(SECRET, ID, TIMESTAMP, BODY);

        assertThat(WebhookSignatures.problem(SECRET, null, String.valueOf(TIMESTAMP), signature, BODY, NOW)).isPresent();
        assertThat(WebhookSignatures.problem(SECRET, ID, null, signature, BODY, NOW)).isPresent();
        assertThat(WebhookSignatures.problem(SECRET, ID, String.valueOf(TIMESTAMP), "", BODY, NOW)).isPresent();
    }

    @Test
    void refusesTheStandardWebhooksLabelAndAcceptsOneValidSignatureAmongSeveral() {
        String hex = WebhookSigner.sign(SECRET, ID, TIMESTAMP, BODY).substring(3);

        assertThat(WebhookSignatures.problem(SECRET, ID, String.valueOf(TIMESTAMP), "v1," + hex, BODY, NOW)).isPresent();
        assertThat(WebhookSignatures.problem(SECRET, ID, String.valueOf(TIMESTAMP), "v3,00ff v3," + hex, BODY, NOW))
                .isEmpty();
    }
}
