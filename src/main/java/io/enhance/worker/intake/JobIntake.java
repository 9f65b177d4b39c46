package io.enhance.worker.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.events.JobEvents;
import io.enhance.worker.events.JobEvents.Problem;
import io.enhance.worker.jobs.DatabaseClock;
import io.enhance.worker.jobs.FairQueue;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.runtime.Stage;
import io.enhance.worker.runtime.Wakeups;

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
    private final DatabaseClock clock;
    private final ObjectMapper json;
    private final Wakeups wakeups;
    private final FairQueue fairQueue;

    JobIntake(JobRequestParser parser, JobEvents events, EntityManager entityManager, ObjectMapper json, DatabaseClock clock,
            Wakeups wakeups, FairQueue fairQueue) {
        this.fairQueue = fairQueue;
        this.wakeups = wakeups;
        this.clock = clock;
        this.parser = parser;
        this.events = events;
        this.entityManager = entityManager;
        this.json = json;
    }

    /**
     * @param messageId the AMQP message-id, if the sender set one: it tells a deliberate resend of the
     *        same bad bytes (a new rejection) from a redelivery of one message (the same rejection)
     * @param redelivered the broker delivered the message before, so failed attempts may be counted for it
     */
    @Transactional
    public Result accept(byte[] body, String messageId, boolean redelivered) {
        if (redelivered) {
            forgetFailures(body, messageId); // handled now, whatever the outcome: earlier failures no longer matter
        }
        JobRequestParser.Parsed parsed = parser.parse(body);
        if (!parsed.valid()) {
            return reject(body, messageId, parsed);
        }
        JobRequest request = parsed.request();
        String digest = request.digest();
        Optional<Job> existing = Job.findByJobId(request.jobId());
        if (existing.isPresent()) {
            return duplicate(existing.get(), digest, body, messageId, parsed);
        }
        Job job = Job.accept(request.jobId(), request.batchId(), request.input(), request.outputBucket(),
                request.outputKeyPrefix(), request.metadata(), digest, clock.now());
        job.priority = request.priority();
        job.batchRank = fairQueue.reserve(request.batchId(), 1);
        wakeups.wakeAfterCommit(Stage.SUBMIT);
        return new Result(Outcome.ACCEPTED, request.jobId(), List.of());
    }

    /**
     * The same request again changes nothing, except that a finished job's outcome event goes out
     * again (same id) for a sender that missed it. A different request under the job's id is
     * rejected, because its sender would otherwise wait for an outcome that never comes.
     */
    private Result duplicate(Job job, String digest, byte[] body, String messageId, JobRequestParser.Parsed parsed) {
        if (job.requestDigest != null && !job.requestDigest.equals(digest)) {
            List<Problem> problems = List.of(new Problem("job_id", "job_id reused with a different request; job "
                    + job.jobId + " keeps the request it was accepted with"));
            return reject(body, messageId, new JobRequestParser.Parsed(null, job.jobId, parsed.batchId(), problems));
        }
        if (job.status.isTerminal()) {
            events.republishFinished(job);
        }
        return new Result(Outcome.DUPLICATE, job.jobId, List.of());
    }

    /**
     * Counts a failed attempt to store this message, in a transaction of its own so that it outlives
     * the failed one. Only failures while the database is healthy are counted: they are the message's fault.
     *
     * @return how many attempts have failed so far
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public int countFailure(byte[] body, String messageId, RuntimeException error) {
        return ((Number) entityManager.createNativeQuery("""
                insert into intake_failures (id, failures, last_error, updated_at) values (?1, 1, ?2, ?3)
                on conflict (id) do update set failures = intake_failures.failures + 1,
                    last_error = excluded.last_error, updated_at = excluded.updated_at
                returning failures""")
                .setParameter(1, rejectionId(sha256(body), messageId))
                .setParameter(2, error.toString())
                .setParameter(3, Instant.now())
                .getSingleResult()).intValue();
    }

    /**
     * A message that could not be stored however often it was tried: keep it as rejected, with the
     * error, so that its sender hears why before it is dead-lettered.
     */
    @Transactional
    public Result giveUp(byte[] body, String messageId, int failures, RuntimeException error) {
        JobRequestParser.Parsed read = parser.parse(body);
        List<Problem> problems = List.of(new Problem("$", "could not be stored after " + failures + " attempts: "
                + error.getClass().getSimpleName()));
        forgetFailures(body, messageId);
        return reject(body, messageId, new JobRequestParser.Parsed(null, read.jobId(), read.batchId(), problems));
    }

    private void forgetFailures(byte[] body, String messageId) {
        entityManager.createNativeQuery("delete from intake_failures where id = ?1")
                .setParameter(1, rejectionId(sha256(body), messageId))
                .executeUpdate();
    }

    private Result reject(byte[] body, String messageId, JobRequestParser.Parsed parsed) {
        byte[] sha256 = sha256(body);
        UUID rejectionId = rejectionId(sha256, messageId);
        keepRejected(rejectionId, parsed, body, sha256);
        events.jobRejected(rejectionId, parsed.jobId(), parsed.batchId(), parsed.problems());
        return new Result(Outcome.REJECTED, parsed.jobId(), parsed.problems());
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

    /** A redelivered message gets the same id, so it yields one record, one event and one failure count. */
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
