package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** A 429 stops submissions for a moment and teaches the rate WaveSpeed really allows; calm minutes undo it. */
class LearnedRateTest {

    private static final Instant START = Instant.parse("2026-12-03T10:00:00Z");

    private final LearnedRate silver = new LearnedRate(500);

    @Test
    void startsAtTheConfiguredRate() {
        assertThat(silver.limit(START)).isEqualTo(500);
    }

    @Test
    void a429StopsSubmissionsForAQuarterOfASecondOrForItsRetryAfter() {
        silver.rateLimited(500, 0, 0, Optional.empty(), START);
        assertThat(silver.limit(START.plusMillis(249))).isZero();
        assertThat(silver.limit(START.plusMillis(250))).as("a 429 at the full window teaches nothing").isEqualTo(500);

        silver.rateLimited(500, 0, 0, Optional.of(Duration.ofSeconds(7)), START.plusSeconds(2));
        assertThat(silver.limit(START.plusSeconds(8))).isZero();
        assertThat(silver.limit(START.plusSeconds(9))).isEqualTo(500);
    }

    @Test
    void a429BelowTheLimitLowersItToWhatWasSubmittedButByHalfAtMostAndOnceASecond() {
        silver.rateLimited(400, 0, 0, Optional.empty(), START);
        assertThat(silver.learned()).isEqualTo(400);

        silver.rateLimited(100, 1, 1, Optional.empty(), START.plusMillis(500));
        assertThat(silver.learned()).as("the same burst of 429s").isEqualTo(400);

        silver.rateLimited(0, 2, 2, Optional.empty(), START.plusSeconds(1));
        assertThat(silver.learned()).as("a 429 at an empty window halves it, no more").isEqualTo(200);
    }

    @Test
    void a429AmongAnswersThatMostlyCreatedTasksIsNoLimitAndTeachesNothing() {
        silver.rateLimited(100, 9, 0, Optional.empty(), START.plusMillis(10));
        assertThat(silver.learned()).isEqualTo(500);
        assertThat(silver.limit(START.plusMillis(200))).as("but it still pauses").isZero();
    }

    @Test
    void eachMinuteWithoutA429RaisesTheLearnedRateATenthUpToTheConfiguredOne() {
        silver.rateLimited(300, 0, 0, Optional.empty(), START);

        assertThat(silver.limit(START.plusSeconds(59))).isEqualTo(300);
        assertThat(silver.limit(START.plusSeconds(60))).isEqualTo(330);
        assertThat(silver.limit(START.plusSeconds(61))).as("one step a minute").isEqualTo(330);
        Instant later = START.plusSeconds(60);
        for (int minute = 0; minute < 5; minute++) {
            later = later.plusSeconds(60);
            silver.limit(later);
        }
        assertThat(silver.limit(later)).isEqualTo(500);
    }
}
