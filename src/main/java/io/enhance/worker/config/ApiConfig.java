package io.enhance.worker.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The operator API under {@code /api} and the dashboard's sign-in (environment: {@code API_*}). */
@ConfigMapping(prefix = "api")
public interface ApiConfig {

    /** Bearer token every call must carry; unset turns the API off (404), so it is never open by accident. */
    Optional<String> token();

    /** How long a dashboard sign-in lasts, from the moment it was made; the operator signs in again after it. */
    @WithDefault("12h")
    Duration sessionLifetime();
}
