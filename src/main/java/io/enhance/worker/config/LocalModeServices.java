package io.enhance.worker.config;

/**
 * The services local mode runs inside the worker (the WaveSpeed emulator, the embedded S3 store). Only the
 * development build implements it (local.LocalServices, under src/dev/java); the production package has none.
 */
public interface LocalModeServices {

    /** Starts what {@link LocalModeConfig} asks for. */
    void start();
}
