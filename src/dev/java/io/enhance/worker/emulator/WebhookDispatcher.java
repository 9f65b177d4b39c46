package io.enhance.worker.emulator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Posts a finished prediction to its webhook, signed like WaveSpeed does, and retries a failing receiver
 * up to three times after {@code base}, {@code 2 x base} and {@code 4 x base}. Every attempt keeps the same
 * {@code webhook-id}, so receivers can dedupe, and is signed afresh with its own timestamp.
 */
final class WebhookDispatcher {

    static final int MAX_RETRIES = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final SecureRandom IDS = new SecureRandom();

    private final HttpClient client;
    private final ScheduledExecutorService scheduler;
    private final EmulatorSettings settings;

    WebhookDispatcher(HttpClient client, ScheduledExecutorService scheduler, EmulatorSettings settings) {
        this.client = client;
        this.scheduler = scheduler;
        this.settings = settings;
    }

    void deliver(String url, byte[] body) {
        byte[] id = new byte[16];
        IDS.nextBytes(id);
        attempt(url, body, "msg_" + HexFormat.of().formatHex(id), 0);
    }

    private void attempt(String url, byte[] body, String webhookId, int retry) {
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("webhook-id", webhookId)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", WebhookSigner.sign(settings.getWebhookSecret(), webhookId, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            boolean delivered = error == null && response.statusCode() / 100 == 2;
            if (!delivered && retry < MAX_RETRIES) {
                long delay = settings.getWebhookRetryBaseMs() << retry;
                try {
                    scheduler.schedule(() -> attempt(url, body, webhookId, retry + 1), delay, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closed) {
                    // the emulator stopped: no more deliveries
                }
            }
        });
    }
}
