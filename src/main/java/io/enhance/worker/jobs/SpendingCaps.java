package io.enhance.worker.jobs;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import io.enhance.worker.config.WaveSpeedConfig;

/**
 * The per-day and per-batch spending caps. Spend is what submissions may cost: each attempt counts
 * the price from the moment it starts, unless it provably created nothing. The day is the UTC day.
 */
@ApplicationScoped
public class SpendingCaps {

    /** A batch held by its cap is looked at again this often, in case the cap was raised. */
    private static final Duration BATCH_RECHECK = Duration.ofMinutes(1);

    private final WaveSpeedConfig config;
    private final JobStore store;

    SpendingCaps(WaveSpeedConfig config, JobStore store) {
        this.config = config;
        this.store = store;
    }

    public BigDecimal price() {
        return config.pricePerImage();
    }

    /** What may still be spent, as of now; reserve from it job by job within the caller's transaction. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Budget budget(Instant now) {
        Instant dayStart = LocalDate.ofInstant(now, ZoneOffset.UTC).atStartOfDay().toInstant(ZoneOffset.UTC);
        BigDecimal today = config.dailySpendCapUsd().isEmpty() ? BigDecimal.ZERO : store.spendSince(dayStart);
        return new Budget(today, dayStart.plus(Duration.ofDays(1)), now);
    }

    /** The spend of one claim round: today's, and each batch's as it is first needed. */
    public final class Budget {

        private BigDecimal today;
        private final Map<String, BigDecimal> batches = new HashMap<>();
        private final Instant nextDay;
        private final Instant now;

        private Budget(BigDecimal today, Instant nextDay, Instant now) {
            this.today = today;
            this.nextDay = nextDay;
            this.now = now;
        }

        /** Counts one more submission for {@code job}, or says which cap it would pass and when to look again. */
        public Optional<Hold> reserve(Job job) {
            BigDecimal price = price();
            Optional<BigDecimal> dailyCap = config.dailySpendCapUsd();
            if (dailyCap.isPresent() && today.add(price).compareTo(dailyCap.get()) > 0) {
                return Optional.of(new Hold("daily spending cap of $" + dailyCap.get() + " reached ($" + today
                        + " submitted today, UTC)", nextDay));
            }
            Optional<BigDecimal> batchCap = config.batchSpendCapUsd().filter(cap -> job.batchId != null);
            BigDecimal batch = batchCap.isEmpty() ? BigDecimal.ZERO : batches.computeIfAbsent(job.batchId, store::spendOfBatch);
            if (batchCap.isPresent() && batch.add(price).compareTo(batchCap.get()) > 0) {
                return Optional.of(new Hold("batch spending cap of $" + batchCap.get() + " reached ($" + batch
                        + " submitted for batch " + job.batchId + ")", now.plus(BATCH_RECHECK)));
            }
            today = today.add(price);
            if (batchCap.isPresent()) {
                batches.put(job.batchId, batch.add(price));
            }
            return Optional.empty();
        }
    }

    /** Why a job waits, and when the budget is looked at again. */
    public record Hold(String reason, Instant recheckAt) {
    }
}
