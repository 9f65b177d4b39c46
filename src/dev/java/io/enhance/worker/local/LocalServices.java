package io.enhance.worker.local;

import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.enhance.worker.config.LocalModeConfig;
import io.enhance.worker.config.LocalModeServices;
import io.enhance.worker.config.S3Config;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.emulator.WaveSpeedEmulator;
import io.quarkus.runtime.ShutdownEvent;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * Starts the WaveSpeed emulator and the S3 store inside the worker when local mode asks for them, before
 * anything else runs (config.StartupSettings calls it, after checking the settings).
 */
@ApplicationScoped
public class LocalServices implements LocalModeServices {

    private static final Logger LOG = Logger.getLogger(LocalServices.class);

    private final LocalModeConfig local;
    private final WaveSpeedConfig wavespeed;
    private final S3Config s3;
    private final S3Client s3Client;
    private WaveSpeedEmulator emulator;
    private EmbeddedS3Store store;

    LocalServices(LocalModeConfig local, WaveSpeedConfig wavespeed, S3Config s3, S3Client s3Client) {
        this.local = local;
        this.wavespeed = wavespeed;
        this.s3 = s3;
        this.s3Client = s3Client;
    }

    @Override
    public void start() {
        if (local.emulator()) {
            emulator = WaveSpeedEmulator.start(new EmulatorSettings()
                    .setPort(local.emulatorPort())
                    .setApiKey(wavespeed.apiKey().orElse(null)));
            LOG.infof("WaveSpeed emulator running at %s", emulator.baseUrl());
        }
        if (local.s3Store()) {
            store = EmbeddedS3Store.onDisk(local.s3StoreDirectory(), local.s3StorePort(),
                    s3.accessKeyId().orElseThrow(), s3.secretAccessKey().orElseThrow());
            s3.bucket().ifPresent(this::createBucket);
            LOG.infof("S3 store running at %s, keeping objects in %s", store.endpoint(),
                    local.s3StoreDirectory().toAbsolutePath());
        }
    }

    /** The embedded store, when this worker runs one. */
    public Optional<EmbeddedS3Store> store() {
        return Optional.ofNullable(store);
    }

    @Override
    public Optional<Path> fileOf(String bucket, String key) {
        return store().map(running -> running.fileOf(bucket, key));
    }

    private void createBucket(String bucket) {
        try {
            s3Client.createBucket(request -> request.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException alreadyThere) {
            // kept from an earlier run
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (emulator != null) {
            emulator.close();
        }
        if (store != null) {
            store.close();
        }
    }
}
