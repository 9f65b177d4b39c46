package io.enhance.worker.emulator;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * WaveSpeed's webhook signature: lowercase hex HMAC-SHA256 over {@code "{id}.{timestamp}.{raw body}"},
 * keyed with the secret minus its {@code whsec_} prefix taken as UTF-8 bytes (not base64-decoded as in
 * Standard Webhooks), labelled {@code v3}.
 */
public final class WebhookSigner {

    public static final String SECRET_PREFIX = "whsec_";

    private WebhookSigner() {
    }

    /** The full {@code webhook-signature} header value, {@code "v3,<hex>"}. */
    public static String sign(String secret, String id, long timestamp, byte[] body) {
        String key = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "v3," + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
