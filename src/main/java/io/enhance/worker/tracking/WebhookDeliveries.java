package io.enhance.worker.tracking;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/** Verified webhook deliveries, kept until they are applied to their job. */
@ApplicationScoped
public class WebhookDeliveries {

    private final EntityManager entityManager;

    WebhookDeliveries(EntityManager entityManager) {
        this.entityManager = entityManager;
    }

    /** Stores a delivery; false when this exact delivery (id and timestamp) was seen before, i.e. a replay. */
    @Transactional
    public boolean storeIfNew(String webhookId, long timestamp, String predictionId, String body) {
        return entityManager.createNativeQuery("""
                insert into webhook_deliveries (webhook_id, webhook_timestamp, prediction_id, body, received_at)
                values (?1, ?2, ?3, ?4, ?5)
                on conflict do nothing""")
                .setParameter(1, webhookId)
                .setParameter(2, timestamp)
                .setParameter(3, predictionId)
                .setParameter(4, body)
                .setParameter(5, Instant.now())
                .executeUpdate() == 1;
    }
}
