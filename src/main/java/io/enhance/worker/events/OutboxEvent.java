package io.enhance.worker.events;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** An outcome event waiting to be (or already) published; its id is the CloudEvents id and AMQP message-id. */
@Entity
@Table(name = "outbox_events")
public class OutboxEvent extends PanacheEntityBase {

    @Id
    public UUID id;

    public String routingKey;
    public String subject;

    @Column(columnDefinition = "text")
    public String payload;

    public Instant createdAt;
    public Instant sentAt;
    public int attempts;
    /** The trace context its publish span continues (the job's, for a job's outcome); null if it has none. */
    public String traceParent;
    public String traceState;
}
