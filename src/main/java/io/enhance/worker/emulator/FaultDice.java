package io.enhance.worker.emulator;

import java.util.Random;

/**
 * The seeded randomness behind injected faults and latencies. Every submit draws the same number of
 * values in the same order whatever the rates, so a given seed replays the same sequence.
 */
final class FaultDice {

    enum SubmitFault { NONE, TOO_MANY_REQUESTS, SERVER_ERROR }

    enum ResultFault { NONE, TOO_MANY_REQUESTS, SERVER_ERROR, SERVICE_UNAVAILABLE, DROPPED_CONNECTION }

    /** What the dice decided for one created prediction. */
    record Fate(boolean fails, long latencyMs, boolean webhookLost) {
    }

    private final EmulatorSettings settings;
    private Random random;
    private long seededWith;
    private Random resultRandom;
    private long resultSeededWith;

    FaultDice(EmulatorSettings settings) {
        this.settings = settings;
        reseedIfChanged(true);
    }

    synchronized SubmitFault rollSubmit() {
        reseedIfChanged(false);
        double tooMany = random.nextDouble();
        double serverError = random.nextDouble();
        if (tooMany < settings.getRate429()) {
            return SubmitFault.TOO_MANY_REQUESTS;
        }
        return serverError < settings.getRate5xx() ? SubmitFault.SERVER_ERROR : SubmitFault.NONE;
    }

    /** Draws from its own stream, so result polling never shifts the submit sequence of a seed. */
    synchronized ResultFault rollResult() {
        if (resultRandom == null || resultSeededWith != settings.getRandomSeed()) {
            resultSeededWith = settings.getRandomSeed();
            resultRandom = new Random(resultSeededWith ^ 0x5DEECE66DL);
        }
        double fault = resultRandom.nextDouble();
        int kind = resultRandom.nextInt(4);
        if (fault >= settings.getResultFaultRate()) {
            return ResultFault.NONE;
        }
        return ResultFault.values()[1 + kind];
    }

    synchronized Fate rollFate() {
        reseedIfChanged(false);
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
