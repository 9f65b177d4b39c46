package io.enhance.worker.config;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** The job status API under {@code /api/jobs} (environment: {@code API_*}). */
@ConfigMapping(prefix = "api")
public interface ApiConfig {

    /** Bearer token every call must carry; unset turns the API off (404), so it is never open by accident. */
    Optional<String> token();
}
