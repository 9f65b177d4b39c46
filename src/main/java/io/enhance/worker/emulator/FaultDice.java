package io.enhance.worker.emulator;

import java.util.Random;

/**
 * The seeded randomness behind injected faults and latencies. Every submit draws the same number of
 * values in the same order whatever the rates, so a given seed replays the same sequence.
 */
final class FaultDice {

    enum SubmitFault { NONE, TOO_MANY_REQUESTS, SERVER_ERROR }

    /** What the dice decided for one created prediction. */
    record Fate(boolean fails, long latencyMs, boolean webhookLost) {
    }

    private final EmulatorSettings settings;
    private Random random;
    private long seededWith;

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
