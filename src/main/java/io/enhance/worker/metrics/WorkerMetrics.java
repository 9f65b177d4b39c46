package io.enhance.worker.metrics;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.runtime.AfterCommit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;

/**
 * What this process did, for {@code /q/metrics}: counters (submissions by result, 429s, retries, jobs
 * finished, request messages stored) and the stage timings as histograms with fixed buckets, so that
 * Prometheus can aggregate them over workers and Grafana take quantiles with {@code histogram_quantile}.
 * A change made in a transaction is counted once that transaction has committed, so that work rolled
 * back and redone is not counted twice. The gauges of the shared database live beside what they read
 * ({@code maintenance.BacklogMetrics}, {@code maintenance.RelayLag}).
 */
@Startup // every series is there from the start
@ApplicationScoped
public class WorkerMetrics {

    /** What one submit POST came to. */
    public enum SubmitResult { CREATED, NOT_CREATED, UNKNOWN, INVALID, REFUSED, ACCOUNT_REFUSED }

    /** Work done again after a transient failure. */
    public enum Retry { SUBMIT, POLL, DELIVERY, SETTLEMENT }

    /** What a claim handed out: queued jobs for submission (under the account's limits), or any other stage's due jobs. */
    public enum Claim { SUBMISSION, STAGE }

    /** The final states a job can reach, as labels. */
    private static final List<String> FINAL = List.of("completed", "failed", "cancelled");
    /** What intake made of a request message, as labels. */
    private static final List<String> REQUEST_OUTCOMES = List.of("accepted", "duplicate", "rejected");

    private final MeterRegistry registry;
    private final AfterCommit afterCommit;
    private final Map<SubmitResult, Counter> submissions = new EnumMap<>(SubmitResult.class);
    private final Map<Retry, Counter> retries = new EnumMap<>(Retry.class);
    private final Counter rateLimited;
    private final Timer queueWait;
    private final Timer inference;
    private final Timer pollLag;
    private final Timer delivery;
    private final Map<Claim, Timer> claims = new EnumMap<>(Claim.class);

    WorkerMetrics(MeterRegistry registry, AfterCommit afterCommit) {
        this.registry = registry;
        this.afterCommit = afterCommit;
        for (SubmitResult result : SubmitResult.values()) {
            submissions.put(result, Counter.builder("enhance.submissions").tag("result", label(result))
                    .description("Submit POSTs answered, by what they came to").register(registry));
        }
        for (Retry kind : Retry.values()) {
            retries.put(kind, Counter.builder("enhance.retries").tag("kind", label(kind))
                    .description("Work this worker will do again after a transient failure").register(registry));
        }
        rateLimited = Counter.builder("enhance.upstream.rate.limited")
                .description("Submit POSTs WaveSpeed answered 429 (rate limited)").register(registry);
        // so that rate() and increase() see a worker that has done nothing yet
        FINAL.forEach(status -> finishedCounter(status));
        REQUEST_OUTCOMES.forEach(outcome -> requestCounter(outcome));
        FINAL.forEach(status -> endToEndTimer(status));
        queueWait = timer("enhance.queue.wait", "From a job stored to its first submission accepted by WaveSpeed",
                0.1, 0.5, 1, 5, 15, 30, 60, 300, 900, 3600, 14400);
        inference = timer("enhance.upstream.inference", "Inference time WaveSpeed reported for a completed prediction",
                0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300);
        pollLag = timer("enhance.poll.lag", "How late a result poll was sent after it fell due",
                0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30);
        delivery = timer("enhance.delivery.duration", "From a job entering DELIVERING to its outputs stored in S3",
                0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600);
        for (Claim claim : Claim.values()) {
            claims.put(claim, Timer.builder("enhance.claim.duration").tag("claim", label(claim))
                    .description("One claim of due jobs, its transaction included, however many it found")
                    .serviceLevelObjectives(durations(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)).register(registry));
        }
    }

    /** Counted whether or not the claim's transaction committed: a slow failing claim holds the stage up just the same. */
    public void claimed(Claim claim, Duration took) {
        claims.get(claim).record(took);
    }

    public void submitted(SubmitResult result) {
        afterCommit.run(submissions.get(result)::increment);
    }

    public void retried(Retry kind) {
        afterCommit.run(retries.get(kind)::increment);
    }

    /** WaveSpeed answered a submit with 429. */
    public void rateLimited() {
        afterCommit.run(rateLimited::increment);
    }

    /** A job was submitted for the first time, {@code waited} after it was stored. */
    public void firstSubmission(Duration waited) {
        afterCommit.run(() -> queueWait.record(waited));
    }

    /** A prediction completed after WaveSpeed's {@code reported} inference time. */
    public void inference(Duration reported) {
        afterCommit.run(() -> inference.record(reported));
    }

    /** A poll was sent {@code late} after it fell due. */
    public void pollSent(Duration late) {
        pollLag.record(late.isNegative() ? Duration.ZERO : late);
    }

    /** A job's outputs were stored, {@code took} after it entered DELIVERING. */
    public void delivered(Duration took) {
        afterCommit.run(() -> delivery.record(took));
    }

    /** A job reached its final {@code status}, {@code sinceStored} after it was stored. */
    public void finished(String status, Duration sinceStored) {
        afterCommit.run(() -> {
            finishedCounter(status).increment();
            endToEndTimer(status).record(sinceStored);
        });
    }

    /** Intake committed {@code messages} request messages that came to {@code outcome}. */
    public void requestsStored(String outcome, long messages) {
        afterCommit.run(() -> requestCounter(outcome).increment(messages));
    }

    private Counter finishedCounter(String status) {
        return Counter.builder("enhance.jobs.finished").tag("status", status)
                .description("Jobs this worker brought to a final state").register(registry);
    }

    private Counter requestCounter(String outcome) {
        return Counter.builder("enhance.requests").tag("outcome", outcome)
                .description("Request messages intake committed, by what it made of them").register(registry);
    }

    private Timer endToEndTimer(String status) {
        return Timer.builder("enhance.end.to.end").tag("status", status)
                .description("From a job stored to its final state")
                .serviceLevelObjectives(durations(1, 5, 10, 30, 60, 120, 300, 900, 3600, 14400, 86400))
                .register(registry);
    }

    private Timer timer(String name, String description, double... bucketSeconds) {
        return Timer.builder(name).description(description).serviceLevelObjectives(durations(bucketSeconds))
                .register(registry);
    }

    private static Duration[] durations(double... seconds) {
        Duration[] buckets = new Duration[seconds.length];
        for (int i = 0; i < seconds.length; i++) {
            buckets[i] = Duration.ofNanos((long) (seconds[i] * 1e9));
        }
        return buckets;
    }

    public static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
