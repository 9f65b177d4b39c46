package io.enhance.worker.emulator;

import java.util.List;
import java.util.Random;

/**
 * The seeded randomness behind injected faults and latencies. Every submit draws the same number of
 * values in the same order whatever the rates, so a given seed replays the same sequence.
 */
final class FaultDice {

    private static final List<InjectedFault> RESULT_FAULTS = List.of(InjectedFault.status(429, false),
            InjectedFault.status(500, false), InjectedFault.status(503, false), InjectedFault.dropped(false));

    /** What the dice decided for one created prediction. */
    record Fate(boolean fails, long latencyMs, boolean webhookLost) {
    }

    /** What the dice decided for one submit: its fault, and the fate of the prediction if it creates one. */
    record SubmitRoll(InjectedFault fault, Fate fate) {
    }

    private final EmulatorSettings settings;
    private Random random;
    private long seededWith;
    private Random resultRandom;
    private long resultSeededWith;
    private Random stallRandom;
    private long stallSeededWith;
    private Random resetRandom;
    private long resetSeededWith;

    FaultDice(EmulatorSettings settings) {
        this.settings = settings;
        reseedIfChanged(true);
    }

    /**
     * A 5xx or a dropped connection creates the task first half of the time, as a real one may. The fate
     * is drawn whether or not a prediction comes of it, so faults and scripts never shift what follows.
     */
    synchronized SubmitRoll rollSubmit() {
        reseedIfChanged(false);
        double tooMany = random.nextDouble();
        double serverError = random.nextDouble();
        double drop = random.nextDouble();
        boolean afterCreating = random.nextBoolean();
        return new SubmitRoll(submitFault(tooMany, serverError, drop, afterCreating), rollFate());
    }

    private InjectedFault submitFault(double tooMany, double serverError, double drop, boolean afterCreating) {
        if (tooMany < settings.getRate429()) {
            return InjectedFault.status(429, false);
        }
        if (serverError < settings.getRate5xx()) {
            return InjectedFault.status(500, afterCreating);
        }
        return drop < settings.getDropRate() ? InjectedFault.dropped(afterCreating) : InjectedFault.NONE;
    }

    /** Draws from its own stream, so result polling never shifts the submit sequence of a seed. */
    synchronized InjectedFault rollResult() {
        if (resultRandom == null || resultSeededWith != settings.getRandomSeed()) {
            resultSeededWith = settings.getRandomSeed();
            resultRandom = new Random(resultSeededWith ^ 0x5DEECE66DL);
        }
        double fault = resultRandom.nextDouble();
        int kind = resultRandom.nextInt(4);
        return fault < settings.getResultFaultRate() ? RESULT_FAULTS.get(kind) : InjectedFault.NONE;
    }

    /** Whether an output download stalls; its own stream again, so downloads shift neither submits nor polls. */
    synchronized boolean rollOutputStall() {
        if (stallRandom == null || stallSeededWith != settings.getRandomSeed()) {
            stallSeededWith = settings.getRandomSeed();
            stallRandom = new Random(stallSeededWith ^ 0x57A11L);
        }
        return stallRandom.nextDouble() < settings.getOutputStallRate();
    }

    /** Whether a submit's connection is reset as its request arrives; its own stream, so resets shift nothing else. */
    synchronized boolean rollReset() {
        if (resetRandom == null || resetSeededWith != settings.getRandomSeed()) {
            resetSeededWith = settings.getRandomSeed();
            resetRandom = new Random(resetSeededWith ^ 0x4E5E7L);
        }
        return resetRandom.nextDouble() < settings.getResetRate();
    }

    private Fate rollFate() {
        boolean fails = random.nextDouble() < settings.getFailureRate();
        long min = settings.getMinLatencyMs();
        long max = Math.max(min, settings.getMaxLatencyMs());
        long latency = min + (long) Math.floor(random.nextDouble() * (max - min + 1));
        boolean webhookLost = random.nextDouble() < settings.getWebhookLossRate();
        return new Fate(fails, Math.min(latency, max), webhookLost);
    }

    private void reseedIfChanged(boolean force) {
        long seed = settings.getRandomSeed();
        if (force || seed != seededWith) {
            random = new Random(seed);
            seededWith = seed;
        }
    }
}
