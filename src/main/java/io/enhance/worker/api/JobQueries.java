package io.enhance.worker.api;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.enhance.worker.jobs.JobError;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * The API's reads of {@code jobs} that the entity does not serve: the filtered listing, newest first
 * (by id) and paged by an opaque cursor, and which jobs belong to a batch ({@link JobStore} runs them).
 */
@ApplicationScoped
public class JobQueries {

    private static final String CURSOR_PREFIX = "jobs-before:";

    private final JobStore store;

    JobQueries(JobStore store) {
        this.store = store;
    }

    /** What to list; null or empty fields do not filter. */
    public record Filter(Set<JobStatus> statuses, String batchId, String errorCode, Instant createdAfter,
            Instant createdBefore) {
    }

    /** One job in a listing. */
    @Schema(name = "JobListItem")
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Item(String jobId, String batchId, JobStatus status, JobError error, int attempts, int retries,
            BigDecimal spendUsd, BigDecimal costUsd, Instant createdAt, Instant finishedAt, boolean hasOutputs,
            @Schema(description = "WaveSpeed flagged an output of its last prediction as NSFW (has_nsfw_contents)") boolean flagged) {
    }

    @Schema(name = "JobPage")
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Page(List<Item> jobs, String nextCursor) {
    }

    /**
     * Jobs matching {@code filter}, newest first, {@code limit} at a time.
     *
     * @param cursor {@code next_cursor} of the previous page, or null for the first
     * @throws ApiErrors.BadRequest when the cursor is not one this method handed out
     */
    public Page list(Filter filter, String cursor, int limit) {
        Long before = cursor == null || cursor.isBlank() ? null : decode(cursor);
        JobStore.Listing listing = new JobStore.Listing(filter.statuses(), filter.batchId(), filter.errorCode(),
                filter.createdAfter(), filter.createdBefore(), before, limit + 1);
        List<JobStore.ListedJob> rows = QuarkusTransaction.requiringNew().call(() -> store.list(listing));
        boolean more = rows.size() > limit;
        List<JobStore.ListedJob> page = more ? rows.subList(0, limit) : rows;
        List<Item> items = page.stream().map(job -> new Item(job.jobId(), job.batchId(), job.status(), job.error(),
                job.attempts(), job.retries(), job.spendUsd(), job.costUsd(), job.createdAt(), job.finishedAt(),
                job.hasOutputs(), job.flagged())).toList();
        return new Page(items, more ? encode(page.get(limit - 1).id()) : null);
    }

    /** Those of {@code jobIds} that belong to the batch. */
    public Set<String> inBatch(String batchId, Collection<String> jobIds) {
        return QuarkusTransaction.requiringNew().call(() -> store.inBatch(batchId, jobIds));
    }

    private static String encode(long id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((CURSOR_PREFIX + id).getBytes(StandardCharsets.UTF_8));
    }

    private static long decode(String cursor) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
            if (plain.startsWith(CURSOR_PREFIX)) {
                return Long.parseLong(plain.substring(CURSOR_PREFIX.length()));
            }
        } catch (IllegalArgumentException e) {
            // answered below (NumberFormatException is one too)
        }
        throw new ApiErrors.BadRequest("cursor: not one this API handed out; pass next_cursor of the previous page as is");
    }

}
