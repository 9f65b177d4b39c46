package io.enhance.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The lease outlasts a transfer, and retries of a delivery come ever later but never after its deadline. */
class DeliveryTimingTest {

    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void refusesToStartWithALeaseThatADownloadPlusAnUploadCouldOutlast() {
        assertThatThrownBy(() -> DeliverFinishedPredictions.checkLeaseCoversTransfers(Duration.ofMinutes(2),
                Duration.ofMinutes(1), Duration.ofMinutes(1)))
                .hasMessage("PIPELINE_LEASE_DURATION (PT2M) must be longer than PIPELINE_DOWNLOAD_TIMEOUT plus S3_CALL_TIMEOUT (PT2M)");
        assertThatCode(() -> DeliverFinishedPredictions.checkLeaseCoversTransfers(Duration.ofMinutes(2),
                Duration.ofSeconds(45), Duration.ofSeconds(45))).doesNotThrowAnyException();
    }

    @Test
    void retriesBackOffWithinBoundsAndLandOnTheDeadline() {
        assertThat(DeliverFinishedPredictions.retryDelay(Duration.ZERO, HOUR)).isEqualTo(Duration.ofSeconds(2));
        assertThat(DeliverFinishedPredictions.retryDelay(Duration.ofSeconds(40), HOUR)).isEqualTo(Duration.ofSeconds(10));
        assertThat(DeliverFinishedPredictions.retryDelay(Duration.ofMinutes(30), HOUR)).isEqualTo(Duration.ofMinutes(1));
        assertThat(DeliverFinishedPredictions.retryDelay(Duration.ofSeconds(3590), HOUR)).isEqualTo(Duration.ofSeconds(10));
    }
}
