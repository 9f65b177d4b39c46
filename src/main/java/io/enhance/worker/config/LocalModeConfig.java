package io.enhance.worker.config;

import java.nio.file.Path;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Services the worker can run inside itself for a local run; all off in production. */
@ConfigMapping(prefix = "local")
public interface LocalModeConfig {

    /** Start the WaveSpeed emulator inside the worker. */
    @WithDefault("false")
    boolean emulator();

    /** Port of the embedded emulator. */
    @WithDefault("8089")
    int emulatorPort();

    /** Start an S3-compatible store inside the worker, kept on disk. */
    @WithDefault("false")
    boolean s3Store();

    /** Port of the embedded S3 store. */
    @WithDefault("8090")
    int s3StorePort();

    /** Folder the embedded S3 store keeps its buckets in. */
    @WithDefault("target/local-s3")
    Path s3StoreDirectory();
}
