package io.enhance.worker.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.enhance.worker.batches.BatchReports;
import io.enhance.worker.submission.AccountStatus;
import io.enhance.worker.submission.AdaptiveConcurrency;
import io.enhance.worker.submission.RecentSubmits;

/** Everything the dashboard shows at a glance, in one call. */
@Path("/api/overview")
@RolesAllowed(ApiTokenIdentityProvider.ROLE)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "overview")
public class OverviewResource {

    private static final Duration ACTIVITY = Duration.ofMinutes(60);

    private final BatchReports reports;
    private final AdaptiveConcurrency concurrency;
    private final RecentSubmits recent;
    private final AccountStatus account;

    OverviewResource(BatchReports reports, AdaptiveConcurrency concurrency, RecentSubmits recent, AccountStatus account) {
        this.reports = reports;
        this.concurrency = concurrency;
        this.recent = recent;
        this.account = account;
    }

    /** Whether WaveSpeed accepts the account: {@code accepted}, or {@code refused} with the reason and since when. */
    public record Account(String state, String reason, Instant since) {
    }

    /**
     * The counts over all workers come from the database; {@code concurrency_cap} and the counts of the
     * last five minutes are this worker's own.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Overview(BatchReports.Totals totals, long inFlight, int concurrencyCap, @JsonProperty("rate_limited_last_5m") long rateLimitedLast5m,
            @JsonProperty("submitted_last_5m") long submittedLast5m, Account account, Instant submissionsPausedAt, List<BatchReports.Minute> activity) {
    }

    @GET
    @Operation(summary = "Totals, submissions and the last hour's activity",
            description = "concurrency_cap, submitted_last_5m and rate_limited_last_5m are those of the worker that answers;"
                    + " every other figure covers all workers.")
    public Overview overview() {
        BatchReports.Totals totals = reports.totals();
        Account state = account.refusal().map(refusal -> new Account("refused", refusal.reason(), refusal.since()))
                .orElse(new Account("accepted", null, null));
        return new Overview(totals, totals.inFlight(), concurrency.cap(), recent.rateLimited(), recent.answered(), state,
                totals.submissionsPausedAt(), reports.activity(ACTIVITY));
    }
}
