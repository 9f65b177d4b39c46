package io.enhance.worker.submission;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready while WaveSpeed refuses the account: the worker cannot do its job, and says why. */
@Readiness
@ApplicationScoped
public class AccountReadiness implements HealthCheck {

    private final AccountStatus account;

    AccountReadiness(AccountStatus account) {
        this.account = account;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("wavespeed-account");
        return account.refusal()
                .map(refusal -> response.down().withData("reason", refusal.reason())
                        .withData("since", refusal.since().toString()).build())
                .orElseGet(() -> response.up().build());
    }
}
