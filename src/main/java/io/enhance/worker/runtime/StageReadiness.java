package io.enhance.worker.runtime;

import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while a stage's rounds keep ending in an Error (out of memory, a class that cannot load): its
 * jobs would wait however often it is woken. Names each such stage with what its last round ended in.
 */
@Readiness
@ApplicationScoped
public class StageReadiness implements HealthCheck {

    private final Wakeups wakeups;

    StageReadiness(Wakeups wakeups) {
        this.wakeups = wakeups;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("stages").up();
        for (Stage stage : Stage.values()) {
            wakeups.failingWith(stage).ifPresent(error -> response.down()
                    .withData(stage.name().toLowerCase(Locale.ROOT), "every round ends in " + error));
        }
        return response.build();
    }
}
