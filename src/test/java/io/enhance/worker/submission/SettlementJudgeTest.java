package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.ImageEnhancer;
import io.enhance.worker.submission.SettlementJudge.Attempt;
import io.enhance.worker.submission.SettlementJudge.Task;
import io.enhance.worker.submission.SettlementJudge.Verdict;
import io.enhance.worker.testing.TestImages;

/**
 * The judge of unanswered attempts on the history as documented: by time and by content, and undecided
 * wherever either leaves a doubt; never a task for an attempt on a guess, never absence on a guess.
 */
class SettlementJudgeTest {

    private static final Instant T = Instant.parse("2026-12-02T10:00:00Z");
    private static final boolean SHARED_KEY = false;

    @Test
    void adoptsTheTaskWhoseOutputLooksLikeItsSourceAndProvesTheOtherAttemptCreatedNothing() {
        Attempt a = attempt(1, 0, 500, "a", photo(1));
        Attempt b = attempt(2, 100, 600, "b", photo(2));

        Map<Long, Verdict> verdicts = SettlementJudge.judge(List.of(a, b), List.of(task("t-a", 300, enhanced(1))), SHARED_KEY);

        assertThat(verdicts.get(1L)).isEqualTo(new Verdict.Adopted("t-a", SettlementJudge.BY_CONTENT));
        assertThat(verdicts.get(2L)).isEqualTo(new Verdict.NotCreated());
    }

    @Test
    void provesAbsenceOnlyWhereNoUnownedTaskLiesInTheAttemptsWindow() {
        Attempt a = attempt(1, 0, 500, "a", photo(1));

        assertThat(SettlementJudge.judge(List.of(a), List.of(), SHARED_KEY).get(1L)).isEqualTo(new Verdict.NotCreated());
        assertThat(SettlementJudge.judge(List.of(a), List.of(task("later", 501, enhanced(9))), SHARED_KEY).get(1L))
                .as("a task created after the window is not the attempt's").isEqualTo(new Verdict.NotCreated());
        assertThat(SettlementJudge.judge(List.of(a), List.of(task("stranger", 250, enhanced(9))), SHARED_KEY).get(1L))
                .as("a stranger's task in the window that looks like nothing of ours could still be ours")
                .isInstanceOf(Verdict.Undecided.class);
    }

    @Test
    void leavesNearIdenticalSourcesUndecidedInsteadOfGuessingWhichTaskIsWhose() {
        byte[] first = TestImages.card(48, 48, 1);
        byte[] second = TestImages.card(48, 48, 2); // the same composition, another tint
        Attempt a = attempt(1, 0, 500, "a", look(first));
        Attempt b = attempt(2, 0, 500, "b", look(second));
        List<Task> tasks = List.of(task("t-1", 200, look(enhance(first))), task("t-2", 210, look(enhance(second))));

        Map<Long, Verdict> verdicts = SettlementJudge.judge(List.of(a, b), tasks, SHARED_KEY);

        assertThat(verdicts.values()).allSatisfy(verdict -> {
            assertThat(verdict).isInstanceOf(Verdict.Undecided.class);
            assertThat(((Verdict.Undecided) verdict).candidates()).containsExactly("t-1", "t-2");
            assertThat(((Verdict.Undecided) verdict).mayChange()).isFalse();
        });
    }

    @Test
    void separatesLookAlikesByTimeWhenOnlyOneWindowHoldsEachTask() {
        byte[] first = TestImages.card(48, 48, 1);
        byte[] second = TestImages.card(48, 48, 2);
        Attempt a = attempt(1, 0, 400, "a", look(first));
        Attempt b = attempt(2, 1000, 1400, "b", look(second));
        List<Task> tasks = List.of(task("t-1", 200, look(enhance(first))), task("t-2", 1200, look(enhance(second))));

        Map<Long, Verdict> verdicts = SettlementJudge.judge(List.of(a, b), tasks, SHARED_KEY);

        assertThat(verdicts.get(1L)).isEqualTo(new Verdict.Adopted("t-1", SettlementJudge.BY_CONTENT));
        assertThat(verdicts.get(2L)).isEqualTo(new Verdict.Adopted("t-2", SettlementJudge.BY_CONTENT));
    }

    @Test
    void neverMatchesByContentAboveTheStrengthThatMayChangeTheComposition() {
        Attempt a = new Attempt(1, T, T.plusMillis(500), "a", 1.0, photo(1));

        assertThat(SettlementJudge.judge(List.of(a), List.of(task("t-a", 300, enhanced(1))), SHARED_KEY).get(1L))
                .isInstanceOf(Verdict.Undecided.class);
    }

    @Test
    void waitsForATaskStillRunningRatherThanDecidingWithoutIt() {
        Attempt a = attempt(1, 0, 500, "a", photo(1));
        Task running = new Task("t-a", T.plusMillis(300), false, Optional.empty());

        Verdict verdict = SettlementJudge.judge(List.of(a), List.of(running), SHARED_KEY).get(1L);

        assertThat(verdict).isInstanceOf(Verdict.Undecided.class);
        assertThat(((Verdict.Undecided) verdict).mayChange()).isTrue();
    }

    @Test
    void letsAttemptsOfTheVerySameRequestShareItsTasksOneEach() {
        Attempt a = attempt(1, 0, 500, "same", photo(1));
        Attempt b = attempt(2, 50, 550, "same", photo(1));

        Map<Long, Verdict> verdicts = SettlementJudge.judge(List.of(a, b), List.of(task("t", 300, enhanced(1))), SHARED_KEY);

        assertThat(verdicts.values()).containsExactlyInAnyOrder(new Verdict.Adopted("t", SettlementJudge.BY_CONTENT),
                new Verdict.NotCreated());
    }

    @Test
    void pairsByTimeAloneOnlyWithAnExclusiveKeyAndOnlyWhenOnePairingFits() {
        Attempt a = new Attempt(1, T, T.plusMillis(400), "a", 1.0, Optional.empty());
        Attempt b = new Attempt(2, T.plusMillis(1000), T.plusMillis(1400), "b", 1.0, Optional.empty());
        List<Task> tasks = List.of(task("t-1", 200, Optional.empty()), task("t-2", 1200, Optional.empty()));

        assertThat(SettlementJudge.judge(List.of(a, b), tasks, true)).containsExactlyInAnyOrderEntriesOf(Map.of(
                1L, new Verdict.Adopted("t-1", SettlementJudge.BY_ORDER), 2L, new Verdict.Adopted("t-2", SettlementJudge.BY_ORDER)));
        assertThat(SettlementJudge.judge(List.of(a, b), tasks, SHARED_KEY).values())
                .allMatch(verdict -> verdict instanceof Verdict.Undecided);
        Attempt overlapping = new Attempt(2, T, T.plusMillis(400), "b", 1.0, Optional.empty());
        assertThat(SettlementJudge.judge(List.of(a, overlapping), List.of(task("t-1", 200, Optional.empty())), true).values())
                .as("two ways to pair them: neither is proven").allMatch(verdict -> verdict instanceof Verdict.Undecided);
    }

    private static Attempt attempt(long job, long fromMillis, long toMillis, String fingerprint, Optional<float[]> look) {
        return new Attempt(job, T.plusMillis(fromMillis), T.plusMillis(toMillis), fingerprint, 0.8, look);
    }

    private static Task task(String id, long createdMillis, Optional<float[]> look) {
        return new Task(id, T.plus(Duration.ofMillis(createdMillis)), true, look);
    }

    private static Optional<float[]> photo(long seed) {
        return look(TestImages.photo(48, 48, seed));
    }

    private static Optional<float[]> enhanced(long seed) {
        return look(enhance(TestImages.photo(48, 48, seed)));
    }

    private static byte[] enhance(byte[] source) {
        try {
            return ImageEnhancer.enhance(source, 0.8, 42, "jpeg");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<float[]> look(byte[] image) {
        return ImageLikeness.look(image);
    }
}
