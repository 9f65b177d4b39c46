package io.enhance.worker.intake;

import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;

import org.hibernate.Session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.delivery.OutputKeys;
import io.enhance.worker.jobs.FairQueue;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.SubmissionHolds;

/**
 * Stores new jobs, queued (paused while an operator holds their batch), with their first transition, in one
 * statement per batch ({@link JobStore#insertNew}), and sizes their batches.
 */
@ApplicationScoped
class NewJobs {

    /** The first request of a batch that gives its size sets it. */
    private static final String SIZE_BATCHES = """
            insert into batches (batch_key, expected_jobs)
            select * from unnest(?::text[], ?::int[]) as s(batch_key, expected_jobs) order by batch_key
            on conflict (batch_key) do update set expected_jobs = excluded.expected_jobs
            where batches.expected_jobs is null""";
    /** The first request of a batch that asks for a canary sets it. */
    private static final String GIVE_CANARIES = """
            insert into batches (batch_key, canary_jobs)
            select * from unnest(?::text[], ?::int[]) as s(batch_key, canary_jobs) order by batch_key
            on conflict (batch_key) do update set canary_jobs = excluded.canary_jobs
            where batches.canary_jobs is null""";

    /** Rows of another worker's open transaction with the same batch make this insert wait; not forever. */
    private static final int QUERY_TIMEOUT_SECONDS = 30;

    private final EntityManager entityManager;
    private final ObjectMapper json;
    private final FairQueue fairQueue;
    private final JobStore store;

    NewJobs(EntityManager entityManager, ObjectMapper json, FairQueue fairQueue, JobStore store) {
        this.store = store;
        this.entityManager = entityManager;
        this.json = json;
        this.fairQueue = fairQueue;
    }

    /**
     * What {@link #insert} did.
     *
     * @param created the job ids inserted
     * @param outputKeyTaken of the others, those refused because their named output key meets another
     *        job's outputs, with that job's id; any other job id was already taken
     */
    record Inserted(Set<String> created, Map<String, String> outputKeyTaken) {
    }

    /**
     * Inserts a job for each message (all valid, job ids distinct) whose job id is not taken yet and whose
     * named output key meets no other job's outputs, in the caller's transaction. Of two messages here
     * whose keys meet, the one with the smaller job id wins.
     */
    Inserted insert(Collection<RequestMessage> messages, Instant now) {
        if (messages.isEmpty()) {
            return new Inserted(Set.of(), Map.of());
        }
        Map<String, Long> nextRank = new HashMap<>();
        messages.stream().collect(Collectors.groupingBy(message -> batchKey(message.request()), Collectors.counting()))
                .forEach((batch, count) -> nextRank.put(batch, fairQueue.reserve(batch, count.intValue())));
        List<JobStore.NewJob> jobs = new ArrayList<>(messages.size());
        for (RequestMessage message : messages) {
            JobRequest request = message.request();
            String outputKey = request.outputKey();
            jobs.add(new JobStore.NewJob(request.jobId(), request.batchId(), toJson(request.input()),
                    request.outputBucket(), request.outputKeyPrefix(), outputKey,
                    outputKey == null ? null : OutputKeys.parentOf(outputKey),
                    request.metadata() == null ? null : toJson(request.metadata()), // SQL null, not JSON null
                    message.digest(), message.trace().traceParent(), message.trace().traceState(), request.reuse(),
                    request.priority(),
                    nextRank.merge(batchKey(request), 1L, Long::sum) - 1));
        }
        store.lockOutputKeyFamilies(jobs.stream().filter(job -> job.outputKey() != null)
                .map(job -> (job.outputBucket() + "/" + OutputKeys.familyOf(job.outputKey())).hashCode()).toList());
        Map<String, String> taken = new HashMap<>(store.holdersOfOutputKeys(jobs));
        taken.putAll(meetingEachOther(jobs.stream().filter(job -> !taken.containsKey(job.jobId())).toList()));
        List<JobStore.NewJob> free = jobs.stream().filter(job -> !taken.containsKey(job.jobId())).toList();
        Set<String> created = store.insertNew(free, SubmissionHolds.PAUSED, now);
        // locked above, so only a worker that takes no lock could have stored a key in between: still refused
        taken.putAll(store.holdersOfOutputKeys(free.stream().filter(job -> !created.contains(job.jobId())).toList()));
        return new Inserted(created, taken);
    }

    /** Of these jobs, those whose named keys meet an earlier one's (see {@link OutputKeys#parentOf}), with its id. */
    private static Map<String, String> meetingEachOther(List<JobStore.NewJob> jobs) {
        Map<String, String> byKey = new HashMap<>();
        Map<String, String> byParent = new HashMap<>();
        Map<String, String> meeting = new HashMap<>();
        for (JobStore.NewJob job : jobs.stream().filter(job -> job.outputKey() != null).toList()) {
            String key = job.outputBucket() + "/" + job.outputKey();
            String parent = job.outputKeyParent() == null ? null : job.outputBucket() + "/" + job.outputKeyParent();
            // the same key, the key it would be a further output of, or a key that would be one of its further outputs
            String holder = byKey.get(key);
            if (holder == null && parent != null) {
                holder = byKey.get(parent);
            }
            if (holder == null) {
                holder = byParent.get(key);
            }
            if (holder != null) {
                meeting.put(job.jobId(), holder);
                continue;
            }
            byKey.put(key, job.jobId());
            if (parent != null) {
                byParent.putIfAbsent(parent, job.jobId());
            }
        }
        return meeting;
    }

    /**
     * Sets the size of each batch that has none yet, in the caller's transaction: a rejected request
     * gives its batch's size as well as a stored one does.
     *
     * @param sizes batch_size by batch_id, sorted, so that workers sizing the same batches lock them in one order
     */
    void sizeBatches(SortedMap<String, Integer> sizes) {
        setPerBatch(SIZE_BATCHES, sizes);
    }

    /**
     * Gives each batch that has no canary yet the one its request asked for, in the caller's transaction,
     * before its jobs are stored: they are stored awaiting approval, and its first ones released as the canary.
     *
     * @param canaries canary by batch_id, sorted as in {@link #sizeBatches}
     */
    void giveCanaries(SortedMap<String, Integer> canaries) {
        setPerBatch(GIVE_CANARIES, canaries);
    }

    private void setPerBatch(String statement, SortedMap<String, Integer> values) {
        if (values.isEmpty()) {
            return;
        }
        entityManager.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(statement)) {
                insert.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                insert.setArray(1, connection.createArrayOf("text", values.keySet().toArray()));
                insert.setArray(2, connection.createArrayOf("integer", values.values().toArray()));
                insert.executeUpdate();
            }
        });
    }

    private static String batchKey(JobRequest request) {
        return request.batchId() == null ? "" : request.batchId();
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a validated request always serialises", e);
        }
    }
}
