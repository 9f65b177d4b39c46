package io.enhance.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.LogCapture;

/** A storm of the same trouble is one line when it starts and one with its count when it has stopped. */
class LogEpisodeTest {

    private final AtomicLong nanos = new AtomicLong();
    private final LogEpisode episode = new LogEpisode(Logger.getLogger(LogEpisodeTest.class), "submits answered 429",
            Duration.ofSeconds(30), nanos::get);

    @Test
    void logsTheStartOfAnEpisodeOnceAndItsCountWhenItHasBeenQuietLongEnough() {
        try (LogCapture capture = LogCapture.start()) {
            for (int i = 0; i < 351; i++) {
                episode.happened("job " + i);
                nanos.addAndGet(Duration.ofMillis(100).toNanos());
            }
            episode.check();
            assertThat(capture.lines()).filteredOn(line -> line.startsWith("submits answered 429")).singleElement()
                    .asString().contains("job 0");

            nanos.addAndGet(Duration.ofSeconds(30).toNanos());
            episode.check();
            episode.check();
            assertThat(capture.lines()).filteredOn(line -> line.startsWith("submits answered 429")).hasSize(2)
                    .last().asString().contains("351 in 35 s").contains("job 350");

            episode.happened("job 351");
            assertThat(capture.lines()).filteredOn(line -> line.startsWith("submits answered 429")).hasSize(3);
        }
    }
}
