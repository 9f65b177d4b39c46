package io.enhance.worker.local;

import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.enhance.worker.config.LocalModeConfig;
import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.config.S3Config;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.emulator.WaveSpeedEmulator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * Starts the WaveSpeed emulator and the S3 store inside the worker when local mode asks for them,
 * before anything else runs, and refuses to start a production worker that lacks its settings.
 */
@ApplicationScoped
public class LocalServices {

    private static final Logger LOG = Logger.getLogger(LocalServices.class);

    private final LocalModeConfig local;
    private final WaveSpeedConfig wavespeed;
    private final S3Config s3;
    private WaveSpeedEmulator emulator;
    private EmbeddedS3Store store;

    LocalServices(LocalModeConfig local, WaveSpeedConfig wavespeed, S3Config s3) {
        this.local = local;
        this.wavespeed = wavespeed;
        this.s3 = s3;
    }

    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, S3Client s3Client,
            PipelineConfig pipeline) {
        if (pipeline.enabled()) { // a command-line client calls neither WaveSpeed nor, for status, S3
            RequiredSettings.check(local, wavespeed, s3);
        }
        if (local.emulator()) {
            emulator = WaveSpeedEmulator.start(new EmulatorSettings()
                    .setPort(local.emulatorPort())
                    .setApiKey(wavespeed.apiKey().orElse(null)));
            LOG.infof("WaveSpeed emulator running at %s", emulator.baseUrl());
        }
        if (local.s3Store()) {
            store = EmbeddedS3Store.onDisk(local.s3StoreDirectory(), local.s3StorePort(),
                    s3.accessKeyId().orElseThrow(), s3.secretAccessKey().orElseThrow());
            s3.bucket().ifPresent(bucket -> createBucket(s3Client, bucket));
            LOG.infof("S3 store running at %s, keeping objects in %s", store.endpoint(),
                    local.s3StoreDirectory().toAbsolutePath());
        }
    }

    /** The embedded store, when this worker runs one. */
    public Optional<EmbeddedS3Store> store() {
        return Optional.ofNullable(store);
    }

    private static void createBucket(S3Client s3Client, String bucket) {
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
