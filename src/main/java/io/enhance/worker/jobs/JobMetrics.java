package io.enhance.worker.jobs;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import io.enhance.worker.runtime.Rounds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * What {@code /q/metrics} shows. Counters count this process's work: submissions by result,
 * retries by kind. Gauges show the shared database, refreshed every few seconds off the scrape
 * path: jobs by status, rejected requests, predictions in flight, and the spend so far.
 */
@ApplicationScoped
public class JobMetrics {

    /** What one submit POST came to. */
    public enum SubmitResult { CREATED, NOT_CREATED, UNKNOWN, INVALID, ACCOUNT_REFUSED }

    /** Work done again after a transient failure. */
    public enum Retry { SUBMIT, POLL, DELIVERY, SETTLEMENT }

    private final EntityManager entityManager;
    private final Map<SubmitResult, Counter> submissions = new EnumMap<>(SubmitResult.class);
    private final Map<Retry, Counter> retries = new EnumMap<>(Retry.class);
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    JobMetrics(MeterRegistry registry, EntityManager entityManager) {
        this.entityManager = entityManager;
        for (SubmitResult result : SubmitResult.values()) {
            submissions.put(result, Counter.builder("enhance.submissions").tag("result", name(result))
                    .description("Submit POSTs sent by this worker, by what they came to").register(registry));
        }
        for (Retry kind : Retry.values()) {
            retries.put(kind, Counter.builder("enhance.retries").tag("kind", name(kind))
                    .description("Work this worker will do again after a transient failure").register(registry));
        }
        for (JobStatus status : JobStatus.values()) {
            Gauge.builder("enhance.jobs", this, metrics -> metrics.snapshot.count(status)).tag("status", name(status))
                    .description("Jobs in the database by status").register(registry);
        }
        Gauge.builder("enhance.jobs", this, metrics -> metrics.snapshot.rejected()).tag("status", "rejected")
                .description("Jobs in the database by status").register(registry);
        Gauge.builder("enhance.predictions.in.flight", this, metrics -> metrics.snapshot.inFlight())
                .description("Jobs whose prediction may be running upstream").register(registry);
        Gauge.builder("enhance.spend.usd", this, metrics -> metrics.snapshot.spendUsd().doubleValue())
                .description("USD spent on completed jobs, all time").register(registry);
    }

    public void submitted(SubmitResult result) {
        submissions.get(result).increment();
    }

    public void retried(Retry kind) {
        retries.get(kind).increment();
    }

    @Scheduled(every = "${pipeline.metrics-interval:5s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        snapshot = QuarkusTransaction.requiringNew().call(() -> {
            Map<JobStatus, Long> counts = new EnumMap<>(JobStatus.class);
            BigDecimal spend = BigDecimal.ZERO;
            List<Object[]> rows = entityManager.createQuery(
                    "select j.status, count(j), coalesce(sum(j.costUsd), 0) from Job j group by j.status", Object[].class)
                    .getResultList();
            for (Object[] row : rows) {
                counts.put((JobStatus) row[0], (Long) row[1]);
                spend = spend.add((BigDecimal) row[2]);
            }
            long rejected = ((Number) entityManager.createNativeQuery("select count(*) from rejected_messages")
                    .getSingleResult()).longValue();
            return new Snapshot(counts, rejected, spend);
        });
    }

    private static String name(Enum<?> value) {
        return value.name().toLowerCase(java.util.Locale.ROOT);
    }

    private record Snapshot(Map<JobStatus, Long> counts, long rejected, BigDecimal spendUsd) {

        static final Snapshot EMPTY = new Snapshot(Map.of(), 0, BigDecimal.ZERO);

        double count(JobStatus status) {
            return counts.getOrDefault(status, 0L);
        }

        double inFlight() {
            return JobClaims.IN_FLIGHT.stream().mapToDouble(this::count).sum();
        }
    }
}
