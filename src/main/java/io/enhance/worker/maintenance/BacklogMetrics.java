package io.enhance.worker.maintenance;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.batches.BatchReports;
import io.enhance.worker.config.WaveSpeedConfig;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.metrics.WorkerMetrics;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Rounds;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;

/**
 * The gauges of the shared database on {@code /q/metrics}: jobs by status, predictions in flight and
 * spend, read from the batch counters ({@link BatchReports#totals()}) rather than by counting jobs, so
 * that a refresh costs the same for ten jobs or ten million. Refreshed every
 * {@code PIPELINE_METRICS_INTERVAL} off the scrape path; every worker shows the same values.
 */
@Startup // the gauges are there from the start
@ApplicationScoped
public class BacklogMetrics {

    private final BatchReports reports;
    private final DatabaseClock clock;
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    BacklogMetrics(MeterRegistry registry, BatchReports reports, DatabaseClock clock, WaveSpeedConfig config) {
        this.reports = reports;
        this.clock = clock;
        for (JobStatus status : JobStatus.values()) {
            String label = WorkerMetrics.label(status);
            Gauge.builder("enhance.jobs", this, metrics -> metrics.snapshot.totals().counts().getOrDefault(label, 0L))
                    .tag("status", label).description("Jobs in the database by status").register(registry);
        }
        Gauge.builder("enhance.in.flight", this, metrics -> metrics.snapshot.totals().inFlight()).baseUnit("predictions")
                .description("Jobs whose prediction may be running upstream, all workers").register(registry);
        Gauge.builder("enhance.spend", this, metrics -> metrics.snapshot.totals().spendUsd().doubleValue()).baseUnit("usd")
                .description("What all submissions may have cost, all time").register(registry);
        Gauge.builder("enhance.spend.today", this, metrics -> metrics.snapshot.today().doubleValue()).baseUnit("usd")
                .description("What submissions may have cost since midnight UTC").register(registry);
        double dailyCap = config.dailySpendCapUsd().map(BigDecimal::doubleValue).orElse(0.0);
        Gauge.builder("enhance.daily.spend.cap", () -> dailyCap).baseUnit("usd")
                .description("WAVESPEED_DAILY_SPEND_CAP_USD; 0 when there is none").register(registry);
    }

    @Scheduled(every = "${pipeline.metrics-interval:5s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        LocalDate today = LocalDate.ofInstant(clock.now(), ZoneOffset.UTC);
        snapshot = new Snapshot(reports.totals(), reports.spendSince(today.atStartOfDay().toInstant(ZoneOffset.UTC)));
    }

    private record Snapshot(BatchReports.Totals totals, BigDecimal today) {

        static final Snapshot EMPTY = new Snapshot(
                new BatchReports.Totals(Map.of(), 0, 0, BigDecimal.ZERO, null), BigDecimal.ZERO);
    }
}
