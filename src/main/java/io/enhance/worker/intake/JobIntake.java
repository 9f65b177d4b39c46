package io.enhance.worker.intake;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.runtime.DatabaseClock;
import io.enhance.worker.tracing.TraceContext;

/**
 * Stores request messages as jobs, or as rejected messages with their reasons and events. A rejected
 * message that names a valid batch_id is an ended member of that batch: {@code rejected_messages.batch_id}
 * says which, and a trigger counts it there once (V15).
 */
@ApplicationScoped
public class JobIntake {

    /** What a rejected message keeps of its body: an oversized one is rejected precisely for its size. */
    static final int KEPT_BODY_BYTES = 64 * 1024;

    public enum Outcome { ACCEPTED, DUPLICATE, REJECTED }

    public record Result(Outcome outcome, String jobId, List<RequestProblem> problems) {
    }

    private final JobRequestParser parser;
    private final NewJobs newJobs;
    private final Event<RequestRejected> rejected;
    private final Event<FinishedJobRequested> finishedRequested;
    private final EntityManager entityManager;
    private final DatabaseClock clock;
    private final ObjectMapper json;
    private final JobStore store;

    // the outbox observes both events synchronously and writes their rows in the intake transaction
    JobIntake(JobRequestParser parser, NewJobs newJobs, Event<RequestRejected> rejected,
            Event<FinishedJobRequested> finishedRequested, EntityManager entityManager, ObjectMapper json,
            DatabaseClock clock, JobStore store) {
        this.store = store;
        this.clock = clock;
        this.parser = parser;
        this.newJobs = newJobs;
        this.rejected = rejected;
        this.finishedRequested = finishedRequested;
        this.entityManager = entityManager;
        this.json = json;
    }

    /**
     * Reads and validates a message as it arrives, before it waits to be stored.
     *
     * @param trace the context of its intake span
     */
    public RequestMessage read(byte[] body, String messageId, boolean redelivered, TraceContext trace) {
        return RequestMessage.read(parser, body, messageId, redelivered, trace);
    }

    /**
     * Stores one message on its own.
     *
     * @param messageId the AMQP message-id, if the sender set one: it tells a deliberate resend of the
     *        same bad bytes (a new rejection) from a redelivery of one message (the same rejection)
     * @param redelivered the broker delivered the message before, so failed attempts may be counted for it
     */
    @Transactional
    public Result accept(byte[] body, String messageId, boolean redelivered) {
        return acceptAll(List.of(read(body, messageId, redelivered, TraceContext.NONE))).get(0);
    }

    /**
     * Stores many messages in one transaction, each with the outcome it would have had alone, in
     * order: of several messages with one job id, the first may create the job, and the others meet
     * it as duplicates (or as a reused job id).
     *
     * @return one result per message, in their order
     */
    @Transactional
    public List<Result> acceptAll(List<RequestMessage> messages) {
        // handled now, whatever the outcome: earlier failures of a redelivered message no longer matter
        forgetFailures(messages.stream().filter(RequestMessage::redelivered)
                .map(m -> rejectionId(sha256(m.body()), m.messageId())).toList());
        // sorted: workers sizing the same batches or inserting the same ids lock them in one order
        SortedMap<String, Integer> sizes = new TreeMap<>();
        messages.stream().map(RequestMessage::parsed).filter(parsed -> parsed.batchSize() != null)
                .forEach(parsed -> sizes.putIfAbsent(parsed.batchId(), parsed.batchSize()));
        newJobs.sizeBatches(sizes);
        SortedMap<String, Integer> canaries = new TreeMap<>();
        messages.stream().filter(m -> m.parsed().valid() && m.request().canary() != null)
                .forEach(m -> canaries.putIfAbsent(m.request().batchId(), m.request().canary()));
        newJobs.giveCanaries(canaries);
        Map<String, RequestMessage> creating = new TreeMap<>();
        messages.stream().filter(m -> m.parsed().valid()).forEach(m -> creating.putIfAbsent(m.request().jobId(), m));
        NewJobs.Inserted inserted = newJobs.insert(creating.values(), clock.now());
        Set<String> created = inserted.created();
        Set<RequestMessage> creators = Collections.newSetFromMap(new IdentityHashMap<>());
        creating.values().stream().filter(m -> created.contains(m.request().jobId())).forEach(creators::add);
        Map<String, Job> existing = existingJobs(messages.stream().filter(m -> m.parsed().valid() && !creators.contains(m))
                .map(m -> m.request().jobId()).filter(jobId -> !inserted.outputKeyTaken().containsKey(jobId))
                .collect(Collectors.toSet()));
        Map<String, String> batchesOfRejectedJobIds = store.batchesOf(messages.stream().map(RequestMessage::parsed)
                .filter(parsed -> !parsed.valid() && parsed.jobId() != null && parsed.batchId() != null)
                .map(JobRequestParser.Parsed::jobId).collect(Collectors.toSet()));
        List<Result> results = new ArrayList<>(messages.size());
        for (RequestMessage message : messages) {
            JobRequestParser.Parsed parsed = message.parsed();
            if (!parsed.valid()) {
                String batchOfItsJob = parsed.jobId() == null ? null : batchesOfRejectedJobIds.get(parsed.jobId());
                results.add(reject(message.body(), message.messageId(), parsed, memberOf(parsed.batchId(), batchOfItsJob),
                        message.trace()));
            } else if (creators.contains(message)) {
                results.add(new Result(Outcome.ACCEPTED, message.request().jobId(), List.of()));
            } else if (inserted.outputKeyTaken().containsKey(message.request().jobId())) {
                results.add(outputKeyTaken(message, inserted.outputKeyTaken().get(message.request().jobId())));
            } else {
                results.add(duplicate(existing.get(message.request().jobId()), message));
            }
        }
        return results;
    }

    /**
     * The batch a rejected request is an ended member of: the one it names, unless its job_id is
     * already a job of that batch, which is the member.
     */
    private static String memberOf(String batchId, String batchOfItsJob) {
        return batchId != null && batchId.equals(batchOfItsJob) ? null : batchId;
    }

    private Map<String, Job> existingJobs(Set<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Map.of();
        }
        Map<String, Job> jobs = new HashMap<>();
        store.findByJobIds(jobIds).forEach(job -> jobs.put(job.jobId, job));
        if (jobs.size() < jobIds.size()) { // purged between the insert and this read: each message is stored again alone
            throw new IllegalStateException("a job taken by a request vanished before it was read");
        }
        return jobs;
    }

    /**
     * The same request again changes nothing, except that a finished job's outcome event goes out
     * again (same id) for a sender that missed it. A different request under the job's id is
     * rejected, because its sender would otherwise wait for an outcome that never comes; it is a
     * member of its batch, unless the job is already one of that batch.
     */
    private Result duplicate(Job job, RequestMessage message) {
        if (job.requestDigest != null && !job.requestDigest.equals(message.digest())) {
            List<RequestProblem> problems = List.of(new RequestProblem("job_id", "job_id reused with a different request; job "
                    + job.jobId + " keeps the request it was accepted with"));
            String batchId = message.parsed().batchId();
            return reject(message.body(), message.messageId(), new JobRequestParser.Parsed(null, job.jobId, batchId,
                    message.parsed().batchSize(), problems), memberOf(batchId, job.batchId), message.trace());
        }
        if (job.status.isTerminal()) {
            finishedRequested.fire(new FinishedJobRequested(job));
        }
        return new Result(Outcome.DUPLICATE, job.jobId, List.of());
    }

    /** A named output key that meets another job's outputs is refused, whoever sent that job: one key, one writer. */
    private Result outputKeyTaken(RequestMessage message, String holder) {
        JobRequest request = message.request();
        List<RequestProblem> problems = List.of(new RequestProblem("output.key", "s3://" + request.outputBucket() + "/"
                + request.outputKey() + " is taken by job " + holder + " (its key, or {stem}-{n} of one key for the other,"
                + " which further outputs get)"));
        return reject(message.body(), message.messageId(), new JobRequestParser.Parsed(null, request.jobId(),
                request.batchId(), message.parsed().batchSize(), problems), request.batchId(), message.trace());
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
    public Result giveUp(byte[] body, String messageId, int failures, RuntimeException error, TraceContext trace) {
        JobRequestParser.Parsed read = parser.parse(body);
        List<RequestProblem> problems = List.of(new RequestProblem("$", "could not be stored after " + failures + " attempts: "
                + error.getClass().getSimpleName()));
        forgetFailures(List.of(rejectionId(sha256(body), messageId)));
        String batchOfItsJob = read.jobId() == null ? null : store.batchesOf(Set.of(read.jobId())).get(read.jobId());
        return reject(body, messageId, new JobRequestParser.Parsed(null, read.jobId(), read.batchId(), read.batchSize(),
                problems), memberOf(read.batchId(), batchOfItsJob), trace);
    }

    private void forgetFailures(List<UUID> ids) {
        if (!ids.isEmpty()) {
            entityManager.createNativeQuery("delete from intake_failures where id in (?1)")
                    .setParameter(1, ids)
                    .executeUpdate();
        }
    }

    /** @param memberOf the batch this rejection is an ended member of, or null */
    private Result reject(byte[] body, String messageId, JobRequestParser.Parsed parsed, String memberOf,
            TraceContext trace) {
        byte[] sha256 = sha256(body);
        UUID rejectionId = rejectionId(sha256, messageId);
        keepRejected(rejectionId, parsed, memberOf, body, sha256);
        rejected.fire(new RequestRejected(rejectionId, parsed.jobId(), parsed.batchId(), parsed.problems(), trace));
        return new Result(Outcome.REJECTED, parsed.jobId(), parsed.problems());
    }

    private void keepRejected(UUID id, JobRequestParser.Parsed parsed, String memberOf, byte[] body, byte[] sha256) {
        entityManager.createNativeQuery("""
                insert into rejected_messages (id, job_id, batch_id, body, body_size, body_sha256, problems, received_at)
                values (?1, ?2, ?3, ?4, ?5, ?6, cast(?7 as jsonb), ?8)
                on conflict (id) do update set times_seen = rejected_messages.times_seen + 1""")
                .setParameter(1, id)
                .setParameter(2, parsed.jobId())
                .setParameter(3, memberOf)
                .setParameter(4, Arrays.copyOf(body, Math.min(body.length, KEPT_BODY_BYTES)))
                .setParameter(5, (long) body.length)
                .setParameter(6, HexFormat.of().formatHex(sha256))
                .setParameter(7, json.valueToTree(parsed.problems()).toString())
                .setParameter(8, Instant.now())
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
