package io.enhance.worker.config;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.interceptor.Interceptor;

import io.quarkus.runtime.StartupEvent;

/**
 * Before anything else runs: refuses to start a worker that lacks its settings or asks for local mode in a
 * package without it, then starts what local mode asks for.
 */
@ApplicationScoped
class StartupSettings {

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, LocalModeConfig local,
            WaveSpeedConfig wavespeed, S3Config s3, PipelineConfig pipeline, Instance<LocalModeServices> localServices) {
        boolean localMode = local.emulator() || local.s3Store();
        if (localMode && localServices.isUnsatisfied()) {
            throw new IllegalStateException("enhance-worker cannot start: local mode (local.emulator, local.s3-store,"
                    + " as the 'local' profile sets them) needs the development build, which carries the WaveSpeed"
                    + " emulator and the embedded S3 store; this production package leaves them out. Set"
                    + " WAVESPEED_API_KEY, S3_ENDPOINT, S3_BUCKET and S3_REGION instead (see README).");
        }
        if (pipeline.enabled()) { // a command-line client calls neither WaveSpeed nor, for status, S3
            RequiredSettings.check(local, wavespeed, s3);
        }
        if (localMode) {
            localServices.get().start();
        }
    }
}
