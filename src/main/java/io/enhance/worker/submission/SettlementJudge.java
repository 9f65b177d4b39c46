package io.enhance.worker.submission;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides what unanswered submit attempts did, from WaveSpeed's history as documented: tasks with an id,
 * a status, outputs and a {@code created_at}, but not the request they were made from.
 *
 * <ul>
 * <li><b>Order.</b> An attempt's task, if any, was created inside the attempt's window (between its POST
 * leaving and its failure, on WaveSpeed's clock). A listed task that no job owns can only be the task of an
 * attempt whose window holds it.</li>
 * <li><b>Content.</b> An image-to-image output keeps the composition of its source. A task is taken for an
 * attempt's only when its output looks like that attempt's source ({@link #LIKE}) and clearly more than like
 * the source of every other attempt that could have made it ({@link #CLEARLY_MORE}); attempts with the very
 * same request are interchangeable, so any of them may take it. A strength above {@link #MAX_STRENGTH}
 * may change the composition, so such attempts are never matched by content.</li>
 * <li><b>Absence.</b> An attempt whose window holds no unowned task that could be its own created nothing.</li>
 * </ul>
 * Everything else is undecided: nothing is adopted and nothing paid again on a guess. With an API key
 * nobody else uses, no task can be a stranger's, and a single way of pairing tasks with attempts by order
 * alone decides too.
 */
final class SettlementJudge {

    /** An output at least this alike to a source may be its enhancement. */
    static final double LIKE = 0.8;
    /** And must be alike to it by this much more than to any other candidate attempt's source. */
    static final double CLEARLY_MORE = 0.2;
    /** Above this strength an output may no longer keep its source's composition. */
    static final double MAX_STRENGTH = 0.9;
    /** Steps spent at most on counting pairings by order alone (a few attempts share a window; more is no proof). */
    private static final int MAX_PAIRING_STEPS = 10_000;

    /**
     * One unanswered attempt: its job, its window on WaveSpeed's clock, what identifies its request, and the
     * look of its source ({@link ImageLikeness}), empty when the source could not be read.
     */
    record Attempt(long job, Instant from, Instant to, String fingerprint, double strength, Optional<float[]> sourceLook) {

        boolean holds(Task task) {
            return holds(task.createdAt());
        }

        boolean holds(Instant createdAt) {
            return !createdAt.isBefore(from) && !createdAt.isAfter(to);
        }

        Optional<float[]> comparableLook() {
            return strength <= MAX_STRENGTH ? sourceLook : Optional.empty();
        }
    }

    /**
     * A listed task no job owns. {@code outputLook} is the look of its first output, empty if it has none
     * or it could not be read; {@code settled} is false while it runs, or while its output could not be
     * fetched yet, so that what it shows may still change.
     */
    record Task(String predictionId, Instant createdAt, boolean settled, Optional<float[]> outputLook) {
    }

    /** What an attempt did, as far as the history tells. */
    sealed interface Verdict {

        /** Its task is {@code predictionId}; {@code how} says what showed it. */
        record Adopted(String predictionId, String how) implements Verdict {
        }

        /** It created nothing. */
        record NotCreated() implements Verdict {
        }

        /**
         * Nothing proves either way; {@code candidates} could be its task. {@code mayChange}: one of them is
         * still running or its output was not read yet, so a later look may decide.
         */
        record Undecided(String why, List<String> candidates, boolean mayChange) implements Verdict {
        }
    }

    static final String BY_CONTENT = "found in WaveSpeed's history by its time and its output's likeness to the source:";
    static final String BY_ORDER = "found in WaveSpeed's history by its time alone (exclusive API key):";

    private SettlementJudge() {
    }

    /** Verdicts on every attempt of one group (attempts whose windows overlap), judged together. */
    static Map<Long, Verdict> judge(List<Attempt> attempts, List<Task> unowned, boolean exclusiveKey) {
        Map<Long, Verdict> verdicts = new LinkedHashMap<>();
        List<Task> tasks = unowned.stream().filter(task -> attempts.stream().anyMatch(a -> a.holds(task)))
                .sorted(Comparator.comparing(Task::createdAt)).toList();
        Set<String> placed = new HashSet<>();
        // content first: each task that shows whose request it came from, given to an attempt of that request
        Map<String, List<Task>> byRequest = new LinkedHashMap<>();
        for (Task task : tasks) {
            contentOwner(task, attempts).ifPresent(fingerprint ->
                    byRequest.computeIfAbsent(fingerprint, f -> new ArrayList<>()).add(task));
        }
        byRequest.forEach((fingerprint, shown) -> {
            List<Attempt> sameRequest = attempts.stream().filter(a -> a.fingerprint().equals(fingerprint)).toList();
            Map<Task, Attempt> pairs = pairByWindows(shown, sameRequest);
            if (pairs == null) {
                sameRequest.forEach(a -> verdicts.put(a.job(), new Verdict.Undecided(shown.size()
                        + " task(s) look like this request's, more than its attempts could have made in their time",
                        ids(shown), false)));
            } else {
                pairs.forEach((task, attempt) -> verdicts.put(attempt.job(), new Verdict.Adopted(task.predictionId(), BY_CONTENT)));
            }
            shown.forEach(task -> placed.add(task.predictionId()));
        });
        List<Attempt> open = attempts.stream().filter(a -> !verdicts.containsKey(a.job())).toList();
        List<Task> unplaced = tasks.stream().filter(task -> !placed.contains(task.predictionId())).toList();
        if (exclusiveKey) {
            verdicts.putAll(byOrderAlone(open, unplaced));
        }
        for (Attempt attempt : open) {
            if (verdicts.containsKey(attempt.job())) {
                continue;
            }
            List<Task> couldBeIts = unplaced.stream().filter(attempt::holds).toList();
            verdicts.put(attempt.job(), couldBeIts.isEmpty() ? new Verdict.NotCreated()
                    : new Verdict.Undecided(couldBeIts.size() + " task(s) no job owns were created in its time, and nothing "
                            + "shows whose they are", ids(couldBeIts), couldBeIts.stream().anyMatch(task -> !task.settled())));
        }
        return verdicts;
    }

    /**
     * The request whose attempts alone could have made {@code task}, as its output shows: it looks like their
     * source, and clearly more than like the source of any other attempt whose window holds it. Empty when
     * it shows nothing, or one of those attempts cannot be compared.
     */
    private static Optional<String> contentOwner(Task task, List<Attempt> attempts) {
        if (task.outputLook().isEmpty()) {
            return Optional.empty();
        }
        List<Attempt> couldHave = attempts.stream().filter(a -> a.holds(task)).toList();
        Attempt best = null;
        double bestLikeness = Double.NEGATIVE_INFINITY;
        Map<Attempt, Double> likeness = new HashMap<>();
        for (Attempt attempt : couldHave) {
            Optional<float[]> look = attempt.comparableLook();
            if (look.isEmpty()) {
                return Optional.empty(); // it could be this one's, and nothing can tell
            }
            double alike = ImageLikeness.likeness(task.outputLook().get(), look.get());
            likeness.put(attempt, alike);
            if (alike > bestLikeness) {
                best = attempt;
                bestLikeness = alike;
            }
        }
        if (best == null || bestLikeness < LIKE) {
            return Optional.empty();
        }
        for (Attempt other : couldHave) {
            if (!other.fingerprint().equals(best.fingerprint()) && likeness.get(other) > bestLikeness - CLEARLY_MORE) {
                return Optional.empty();
            }
        }
        return Optional.of(best.fingerprint());
    }

    /**
     * Gives every task an attempt of its own whose window holds it, or answers null when that cannot be
     * done. Tasks in order of creation each take the open attempt whose window closes first, which pairs
     * them all whenever any pairing can.
     */
    private static Map<Task, Attempt> pairByWindows(List<Task> tasks, List<Attempt> attempts) {
        Map<Task, Attempt> pairs = new LinkedHashMap<>();
        Set<Attempt> taken = new HashSet<>();
        for (Task task : tasks) {
            Optional<Attempt> first = attempts.stream().filter(a -> !taken.contains(a) && a.holds(task))
                    .min(Comparator.comparing(Attempt::to));
            if (first.isEmpty()) {
                return null;
            }
            taken.add(first.get());
            pairs.put(task, first.get());
        }
        return pairs;
    }

    /**
     * With no stranger's task possible, every unplaced task is one of these attempts': when exactly one
     * pairing of them all with attempts fits the windows, it decides, and attempts it leaves out created
     * nothing.
     */
    private static Map<Long, Verdict> byOrderAlone(List<Attempt> attempts, List<Task> unplaced) {
        List<Task> tasks = unplaced.stream().filter(task -> attempts.stream().anyMatch(a -> a.holds(task))).toList();
        Map<Long, Verdict> verdicts = new HashMap<>();
        if (tasks.stream().anyMatch(task -> !task.settled())) {
            return verdicts; // a task still running may yet show its content: order alone waits for it
        }
        List<Map<Task, Attempt>> pairings = new ArrayList<>();
        pairings(tasks, 0, attempts, new LinkedHashMap<>(), pairings, new int[] { MAX_PAIRING_STEPS });
        if (pairings.size() == 1) {
            pairings.get(0).forEach((task, attempt) -> verdicts.put(attempt.job(), new Verdict.Adopted(task.predictionId(), BY_ORDER)));
            attempts.stream().filter(a -> !verdicts.containsKey(a.job()))
                    .forEach(a -> verdicts.put(a.job(), new Verdict.NotCreated()));
        }
        return verdicts;
    }

    /** Collects pairings of {@code tasks} from {@code next} on, stopping at two or when the steps run out. */
    private static void pairings(List<Task> tasks, int next, List<Attempt> attempts, Map<Task, Attempt> pairing,
            List<Map<Task, Attempt>> found, int[] stepsLeft) {
        if (found.size() > 1) {
            return; // two prove that order alone does not decide
        }
        if (--stepsLeft[0] < 0) {
            found.clear(); // too many to count prove nothing either
            found.add(Map.of());
            found.add(Map.of());
            return;
        }
        if (next == tasks.size()) {
            found.add(new LinkedHashMap<>(pairing));
            return;
        }
        Task task = tasks.get(next);
        for (Attempt attempt : attempts) {
            if (attempt.holds(task) && !pairing.containsValue(attempt)) {
                pairing.put(task, attempt);
                pairings(tasks, next + 1, attempts, pairing, found, stepsLeft);
                pairing.remove(task);
            }
        }
    }

    private static List<String> ids(List<Task> tasks) {
        return tasks.stream().map(Task::predictionId).toList();
    }
}
