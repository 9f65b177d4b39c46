package io.enhance.worker.tracking;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import org.hibernate.query.TypedParameterValue;
import org.hibernate.type.StandardBasicTypes;

import io.enhance.worker.submission.WebhookTags;

/** Verified webhook deliveries, kept until they are applied to their job. */
@ApplicationScoped
public class WebhookDeliveries {

    private final EntityManager entityManager;

    WebhookDeliveries(EntityManager entityManager) {
        this.entityManager = entityManager;
    }

    /**
     * Stores a delivery with the attempt its callback URL was tagged with, if any; false when this
     * exact delivery (id and timestamp) was seen before, i.e. a replay.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean storeIfNew(String webhookId, long timestamp, String predictionId, String body,
            Optional<WebhookTags.Tag> tag) {
        return entityManager.createNativeQuery("""
                insert into webhook_deliveries (webhook_id, webhook_timestamp, prediction_id, body, received_at,
                                                tagged_job, tagged_attempt)
                values (?1, ?2, ?3, ?4, clock_timestamp(), ?5, ?6)
                on conflict do nothing""")
                .setParameter(1, webhookId)
                .setParameter(2, timestamp)
                .setParameter(3, predictionId)
                .setParameter(4, body)
                .setParameter(5, new TypedParameterValue<>(StandardBasicTypes.LONG, tag.map(WebhookTags.Tag::job).orElse(null)))
                .setParameter(6, new TypedParameterValue<>(StandardBasicTypes.INTEGER,
                        tag.map(WebhookTags.Tag::attempt).orElse(null)))
                .executeUpdate() == 1;
    }
}
