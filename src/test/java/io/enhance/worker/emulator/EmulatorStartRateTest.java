package io.enhance.worker.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The emulator plays an account's images per minute as WaveSpeed's limits page describes, over a rolling 60 s. */
class EmulatorStartRateTest extends EmulatorTestSupport {

    @Test
    void answersTheSubmitPastTheMinutesImages429CreatingNothingAndCountsIt() {
        emulator.settings().setImagesPerMinute(3);
        for (int i = 0; i < 3; i++) {
            assertThat(api.post(SUBMIT, input(pngUrl)).status()).isEqualTo(200);
        }
        EmulatorClient.Reply refused = api.post(SUBMIT, input(pngUrl));

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().path("message").asText()).contains("3 images per minute");
        JsonNode slots = api.get("/emulator/slots").json();
        assertThat(slots.path("created").asInt()).isEqualTo(3);
        assertThat(slots.path("rate_limited").asInt()).isEqualTo(1);
        assertThat(emulator.predictionCount()).isEqualTo(3);
    }

    @Test
    void aStartLeavesTheWindowSixtySecondsAfterItWasAccepted() {
        AtomicLong nanos = new AtomicLong();
        StartRate rate = new StartRate(new EmulatorSettings().setImagesPerMinute(2), nanos::get);
        rate.accept();
        advance(nanos, 30_000);
        rate.accept();
        advance(nanos, 29_999);
        assertThatThrownBy(rate::accept).isInstanceOf(ApiException.class);

        advance(nanos, 1);
        rate.accept();
        assertThatThrownBy(rate::accept).as("the second start is still inside").isInstanceOf(ApiException.class);
        assertThat(rate.refused()).isEqualTo(2);
    }

    private static void advance(AtomicLong nanos, long millis) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
