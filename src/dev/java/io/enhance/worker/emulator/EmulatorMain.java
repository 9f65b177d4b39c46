package io.enhance.worker.emulator;

import java.util.concurrent.CountDownLatch;

/** Runs the emulator standalone, configured by {@code EMULATOR_*} variables and {@code --name=value} arguments. */
public final class EmulatorMain {

    private static final String MAX_IDLE_CONNECTIONS = "sun.net.httpserver.maxIdleConnections";

    private EmulatorMain() {
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        // the JDK server closes connections beyond 200 idle ones at once, which no real API front does; a
        // worker with more pooled connections would see its requests cut off and settle them from the history
        if (System.getProperty(MAX_IDLE_CONNECTIONS) == null) {
            System.setProperty(MAX_IDLE_CONNECTIONS, "10000");
        }
        EmulatorSettings settings;
        try {
            settings = EmulatorSettings.fromEnvironment(System.getenv(), args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        WaveSpeedEmulator emulator = WaveSpeedEmulator.startStandalone(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            stopped.countDown();
        }, "wavespeed-emulator-shutdown"));
        System.out.println("WaveSpeed emulator listening on " + emulator.baseUrl());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
