package io.enhance.worker.intake;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while jobs cannot be stored: every request would wait or be held instead of accepted. */
@Readiness
@ApplicationScoped
public class JobStoreReadiness implements HealthCheck {

    private final JobStoreProbe probe;

    JobStoreReadiness(JobStoreProbe probe) {
        this.probe = probe;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("job-store");
        return probe.problem()
                .map(reason -> response.down().withData("reason", "jobs cannot be stored: " + reason).build())
                .orElseGet(() -> response.up().build());
    }
}
