package io.enhance.worker.maintenance;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Rounds;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;

/**
 * How far the relay is behind: the age of the oldest event not yet confirmed by the broker (0 when
 * none waits), an index look-up refreshed every {@code PIPELINE_METRICS_INTERVAL}. It grows while the
 * broker is away or refuses, whichever worker wrote the event.
 */
@Startup // the gauge is there from the start
@ApplicationScoped
public class RelayLag {

    private final EntityManager entityManager;
    private final DatabaseClock clock;
    private volatile double seconds;

    RelayLag(MeterRegistry registry, EntityManager entityManager, DatabaseClock clock) {
        this.entityManager = entityManager;
        this.clock = clock;
        Gauge.builder("enhance.event.relay.lag", this, lag -> lag.seconds).baseUnit("seconds")
                .description("Age of the oldest outcome event not yet published").register(registry);
    }

    @Scheduled(every = "${pipeline.metrics-interval:5s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refresh() {
        Instant oldest = QuarkusTransaction.requiringNew().call(() -> entityManager
                .createQuery("select min(e.createdAt) from OutboxEvent e where e.sentAt is null", Instant.class)
                .getSingleResult());
        seconds = oldest == null ? 0 : Math.max(0, Duration.between(oldest, clock.now()).toMillis() / 1000.0);
    }
}
