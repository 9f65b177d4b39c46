package io.enhance.worker.events;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.runtime.Rounds;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Publishes unsent outbox events to the events exchange and marks them sent only once the broker
 * has confirmed them; an unconfirmed event stays unsent and goes out again next round.
 */
@ApplicationScoped
public class RelayOutboxEvents {

    private static final int SKIP_LOCKED = -2;
    /** Well inside the transaction timeout, so a stalled broker ends the round rather than the transaction. */
    private static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(30);

    private final BrokerPublisher publisher;
    private final PipelineConfig pipeline;
    private final Rounds rounds;
    private final DatabaseClock clock;
    private final Wakeups wakeups;

    RelayOutboxEvents(BrokerPublisher publisher, PipelineConfig pipeline, Rounds rounds, DatabaseClock clock,
            Wakeups wakeups) {
        this.wakeups = wakeups;
        this.clock = clock;
        this.rounds = rounds;
        this.publisher = publisher;
        this.pipeline = pipeline;
    }

    // Idle until the application has started: the emitter's channel is wired only then.
    void register(@Observes StartupEvent event) {
        wakeups.register(Stage.RELAY, () -> rounds.repeatWhileFull(pipeline.claimSize(), this::relayRound));
    }

    /** The sweep: events committed by other workers, and those the broker did not confirm. */
    @Scheduled(every = "${pipeline.relay-interval:1s}", skipExecutionIf = Rounds.Idle.class,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void relayDue() {
        wakeups.wake(Stage.RELAY);
    }

    /** Returns how many events were confirmed. */
    @Transactional
    int relayRound() {
        List<OutboxEvent> batch = OutboxEvent.<OutboxEvent> find("sentAt is null order by createdAt")
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", SKIP_LOCKED)
                .page(0, pipeline.claimSize())
                .list();
        if (batch.isEmpty()) {
            return 0;
        }
        List<Boolean> confirmed = publisher.publishAll(batch, CONFIRM_TIMEOUT);
        Instant now = clock.now();
        int sent = 0;
        for (int i = 0; i < batch.size(); i++) {
            OutboxEvent event = batch.get(i);
            event.attempts++;
            if (confirmed.get(i)) {
                event.sentAt = now;
                sent++;
            }
        }
        return sent;
    }
}
