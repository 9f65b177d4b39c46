package io.enhance.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.wavespeed.Prediction;

class InferenceTimesTest {

    private static final Duration CONFIGURED_FIRST = Duration.ofSeconds(2);
    private static final Duration LONGEST = Duration.ofSeconds(15);

    private final InferenceTimes times = new InferenceTimes(CONFIGURED_FIRST, LONGEST);

    @Test
    void atASteadyFiveSecondsAJobTakesAtMostOneAndAHalfPollsOnAverageWarmUpIncluded() {
        Random random = new Random(9);
        double polls = averagePolls(200, () -> 4_900 + random.nextInt(200));

        assertThat(polls).isLessThanOrEqualTo(1.5);
    }

    @Test
    void onceWarmedUpASteadyInferenceIsFoundDoneByTheFirstPoll() {
        Random random = new Random(5);
        averagePolls(20, () -> 4_900 + random.nextInt(200));

        assertThat(averagePolls(100, () -> 4_900 + random.nextInt(200))).isEqualTo(1.0);
        assertThat(times.firstPollDelay()).as("not much later than the inference either")
                .isBetween(Duration.ofMillis(5_100), Duration.ofMillis(5_600));
    }

    @Test
    void usesTheConfiguredScheduleUntilFivePredictionsHaveFinished() {
        for (int i = 0; i < InferenceTimes.WARM_UP - 1; i++) {
            times.observe(5_000);
            assertThat(times.firstPollDelay()).as("jittered around the configured delay")
                    .isBetween(Duration.ofMillis(1_600), Duration.ofMillis(2_400));
            assertThat(times.pollDelay(2)).isBetween(Duration.ofMillis(3_600), Duration.ofMillis(5_400));
        }
        times.observe(5_000);
        assertThat(times.firstPollDelay()).isGreaterThan(Duration.ofSeconds(5));
    }

    @Test
    void pollsAfterAnUnfinishedFirstOneComeAFifthOfTheEstimateApartGrowingByHalfUpToTheLongestDelay() {
        for (int i = 0; i < 50; i++) {
            times.observe(10_000);
        }
        assertThat(List.of(times.pollDelay(1), times.pollDelay(2), times.pollDelay(3)))
                .containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofMillis(4_500));
        assertThat(times.pollDelay(10)).isEqualTo(LONGEST);
    }

    @Test
    void theFirstPollOfASlowModelComesAfterItsInferenceEvenBeyondTheLongestDelayBetweenPolls() {
        for (int i = 0; i < 50; i++) {
            times.observe(30_000);
        }
        assertThat(times.firstPollDelay()).isGreaterThan(Duration.ofSeconds(30));
    }

    @Test
    void followsAnInferenceThatBecomesSlowerWithinAFewPredictions() {
        for (int i = 0; i < 30; i++) {
            times.observe(2_000);
        }
        for (int i = 0; i < 8; i++) {
            times.observe(6_000);
        }
        assertThat(times.firstPollDelay()).isGreaterThan(Duration.ofMillis(5_000));
    }

    @Test
    void learnsFromTheReportedExecutionTimeElseTheInferenceTimingAndIgnoresAPredictionWithNeither() throws Exception {
        Prediction timed = prediction("{\"status\":\"completed\",\"executionTime\":3000,\"timings\":{\"inference\":2000}}");
        for (int i = 0; i < InferenceTimes.WARM_UP - 1; i++) {
            times.observe(timed);
        }
        for (int i = 0; i < 10; i++) {
            times.observe(prediction("{\"status\":\"completed\"}"));
        }
        assertThat(times.firstPollDelay()).as("still warming up").isBetween(Duration.ofMillis(1_600), Duration.ofMillis(2_400));
        for (int i = 0; i < 40; i++) {
            times.observe(timed);
        }
        assertThat(times.firstPollDelay()).isBetween(Duration.ofMillis(3_150), Duration.ofMillis(3_200));

        InferenceTimes fromTimings = new InferenceTimes(CONFIGURED_FIRST, LONGEST);
        for (int i = 0; i < 40; i++) {
            fromTimings.observe(prediction("{\"status\":\"completed\",\"timings\":{\"inference\":2000}}"));
        }
        assertThat(fromTimings.firstPollDelay()).isBetween(Duration.ofMillis(2_100), Duration.ofMillis(2_150));
    }

    private static Prediction prediction(String json) throws Exception {
        return Prediction.from(new ObjectMapper().readTree(json));
    }

    /** Runs jobs one after another through the schedule, each learnt from once done; the average polls each took. */
    private double averagePolls(int jobs, LongSupplier inferenceMs) {
        long polls = 0;
        for (int job = 0; job < jobs; job++) {
            long inference = inferenceMs.getAsLong();
            long at = times.firstPollDelay().toMillis();
            int made = 1;
            while (at < inference) {
                at += times.pollDelay(made).toMillis();
                made++;
            }
            polls += made;
            times.observe(inference);
        }
        return (double) polls / jobs;
    }
}
