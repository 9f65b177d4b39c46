package io.enhance.worker.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.events.JobEvents;
import io.enhance.worker.events.JobEvents.Problem;
import io.enhance.worker.jobs.Job;

/** Stores one request message as a job, or as a rejected message with its reasons and event. */
@ApplicationScoped
public class JobIntake {

    /** What a rejected message keeps of its body: an oversized one is rejected precisely for its size. */
    static final int KEPT_BODY_BYTES = 64 * 1024;

    public enum Outcome { ACCEPTED, DUPLICATE, REJECTED }

    public record Result(Outcome outcome, String jobId, List<Problem> problems) {
    }

    private final JobRequestParser parser;
    private final JobEvents events;
    private final EntityManager entityManager;
    private final ObjectMapper json;

    JobIntake(JobRequestParser parser, JobEvents events, EntityManager entityManager, ObjectMapper json) {
        this.parser = parser;
        this.events = events;
        this.entityManager = entityManager;
        this.json = json;
    }

    /**
     * @param messageId the AMQP message-id, if the sender set one: it tells a deliberate resend of the
     *        same bad bytes (a new rejection) from a redelivery of one message (the same rejection)
     */
    @Transactional
    public Result accept(byte[] body, String messageId) {
        JobRequestParser.Parsed parsed = parser.parse(body);
        if (!parsed.valid()) {
            byte[] sha256 = sha256(body);
            UUID rejectionId = rejectionId(sha256, messageId);
            keepRejected(rejectionId, parsed, body, sha256);
            events.jobRejected(rejectionId, parsed.jobId(), parsed.batchId(), parsed.problems());
            return new Result(Outcome.REJECTED, parsed.jobId(), parsed.problems());
        }
        JobRequest request = parsed.request();
        if (Job.findByJobId(request.jobId()).isPresent()) {
            return new Result(Outcome.DUPLICATE, request.jobId(), List.of());
        }
        Job.accept(request.jobId(), request.batchId(), request.input(), request.outputBucket(),
                request.outputKeyPrefix(), request.metadata(), Instant.now());
        return new Result(Outcome.ACCEPTED, request.jobId(), List.of());
    }

    /**
     * The last delivery of a message that could not be stored however often it was tried: keep it
     * as rejected, with the error, so that its sender hears why before it is dead-lettered.
     */
    @Transactional
    public Result giveUp(byte[] body, String messageId, int deliveries, RuntimeException error) {
        JobRequestParser.Parsed read = parser.parse(body);
        List<Problem> problems = List.of(new Problem("$", "could not be stored after " + deliveries + " deliveries: "
                + error.getClass().getSimpleName()));
        JobRequestParser.Parsed parsed = new JobRequestParser.Parsed(null, read.jobId(), read.batchId(), problems);
        byte[] sha256 = sha256(body);
        UUID rejectionId = rejectionId(sha256, messageId);
        keepRejected(rejectionId, parsed, body, sha256);
        events.jobRejected(rejectionId, parsed.jobId(), parsed.batchId(), problems);
        return new Result(Outcome.REJECTED, parsed.jobId(), problems);
    }

    private void keepRejected(UUID id, JobRequestParser.Parsed parsed, byte[] body, byte[] sha256) {
        entityManager.createNativeQuery("""
                insert into rejected_messages (id, job_id, body, body_size, body_sha256, problems, received_at)
                values (?1, ?2, ?3, ?4, ?5, cast(?6 as jsonb), ?7)
                on conflict (id) do update set times_seen = rejected_messages.times_seen + 1""")
                .setParameter(1, id)
                .setParameter(2, parsed.jobId())
                .setParameter(3, Arrays.copyOf(body, Math.min(body.length, KEPT_BODY_BYTES)))
                .setParameter(4, (long) body.length)
                .setParameter(5, HexFormat.of().formatHex(sha256))
                .setParameter(6, json.valueToTree(parsed.problems()).toString())
                .setParameter(7, Instant.now())
                .executeUpdate();
    }

    /** A redelivered bad message gets the same id, so it yields one record and one event. */
    private static UUID rejectionId(byte[] sha256, String messageId) {
        return UUID.nameUUIDFromBytes(("rejected/" + HexFormat.of().formatHex(sha256) + "/"
                + (messageId == null ? "" : messageId)).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
