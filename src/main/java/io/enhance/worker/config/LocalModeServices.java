package io.enhance.worker.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The services local mode runs inside the worker (the WaveSpeed emulator, the embedded S3 store). Only the
 * development build implements it (local.LocalServices, under src/dev/java); the production package has none.
 */
public interface LocalModeServices {

    /** Starts what {@link LocalModeConfig} asks for. */
    void start();

    /** The file on disk that holds an object of the embedded S3 store, when this worker runs one. */
    Optional<Path> fileOf(String bucket, String key);
}
