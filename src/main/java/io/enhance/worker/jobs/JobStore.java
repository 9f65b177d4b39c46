package io.enhance.worker.jobs;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;

import org.hibernate.FlushMode;
import org.hibernate.Session;
import org.hibernate.jpa.HibernateHints;
import org.hibernate.query.NativeQuery;

/**
 * Every statement on {@code jobs} and {@code job_transitions}, each a named constant behind a named
 * method, and the one writer of a job's status with its transition: the entity's moves
 * ({@link #recordMove}), the bulk insert of new jobs ({@link #insertNew}) and the operators' set-based
 * moves ({@link #moveByHold}). Methods run in the caller's transaction; where and how long a
 * transaction lasts is the caller's to decide.
 */
@ApplicationScoped
public class JobStore {

    /** Any constant will do, as long as nothing else in the database takes this advisory lock. */
    private static final long SUBMISSION_CLAIM_LOCK = 0x656E68616E6365L;
    /** Rows of another worker's open transaction with the same job id make an insert wait; not forever. */
    private static final int QUERY_TIMEOUT_SECONDS = 30;

    /**
     * True when an operator's controls hold the job whose batch is {@code batch_id}: submissions paused
     * for all, or its batch paused or cancelled. A constant of the statements below, not a builder: each
     * statement names the column {@code batch_id} in its own scope.
     */
    private static final String HELD = """
            (exists (select 1 from submission_controls where paused_at is not null)
             or exists (select 1 from batches b where b.batch_key = coalesce(batch_id, '')
                        and (b.paused_at is not null or b.cancelled_at is not null)))""";

    /**
     * True when the batch {@code r.batch_id} of a job being stored has a canary not approved yet: the job
     * waits for the decision (the canary's own jobs are released from there, {@link #releaseCanary}).
     */
    private static final String AWAITS_CANARY = """
            exists (select 1 from batches c where c.batch_key = r.batch_id and c.canary_jobs is not null
                    and c.approved_at is null)""";

    /** Leases due jobs in one statement: the claim's shape, with its filter and order filled in below. */
    private static final String CLAIM = """
            update jobs set due_at = ?1, lease_owner = ?2, version = jobs.version + 1
            from (select id, due_at from jobs where status in (?3) and due_at <= ?4 and %s
                  order by %s limit ?5 for update skip locked) due
            where jobs.id = due.id
            returning jobs.*, due.due_at as was_due""";
    private static final String CLAIM_DUE = CLAIM.formatted("true", "due_at");
    /** Higher priority first; within one, batches take turns ({@link FairQueue}); then the longest waiting. */
    private static final String CLAIM_FOR_SUBMISSION = CLAIM.formatted("not " + HELD, "priority desc, batch_rank, due_at");
    private static final String TAKE_SUBMISSION_CLAIM_LOCK = "select cast(pg_advisory_xact_lock(?1) as text)";
    private static final String NEXT_DUE = "select min(dueAt) from Job where status in ?1";
    private static final String COUNT_IN = "status in ?1";
    /** Locked in id order, as every batch write does, so that two of them cannot deadlock. */
    private static final String LOCK_BY_IDS = "id in ?1 order by id";
    private static final String LOCK_LEASED_TO = "leaseOwner = ?1 and status = ?2 order by id";
    private static final String HAND_BACK_LEASES = "leaseOwner = null, dueAt = ?1 where leaseOwner = ?2";
    private static final String BY_JOB_ID = "jobId";
    private static final String BY_JOB_IDS = "jobId in ?1";
    private static final String BY_PREDICTION = "predictionId";
    private static final String OF_BATCH = "batchId = ?1 order by jobId";
    private static final String LOCK_IN_BATCH = "batchId = ?1 and status in ?2 and id > ?3 order by id";
    private static final String UNSETTLED_BETWEEN = "status = ?1 and predictionId is null and attemptStartedAt between ?2 and ?3";
    private static final String SENT_BETWEEN = "status = ?1 and submittedRequest is not null and attemptStartedAt between ?2 and ?3";

    /** The latest completed job asking for exactly this (jobs_completed_by_reuse_key), one indexed lookup. */
    private static final String COMPLETED_TWIN = """
            select * from jobs where reuse_key = ?1 and status = 'COMPLETED' and finished_at >= ?2
            and outputs is not null order by finished_at desc limit 1""";

    private static final String REUSED_IN_BATCHES = """
            select batch_id, count(*) from jobs where batch_id in (?1) and reused_from is not null group by 1""";
    private static final String INFERENCE_SINCE = """
            select count(inference_ms), coalesce(avg(inference_ms), 0) from jobs
            where status = 'COMPLETED' and finished_at >= ?1 and inference_ms is not null""";

    private static final String SPEND_SINCE = "select coalesce(sum(spend_usd), 0) from jobs where attempt_started_at >= ?1";
    private static final String SPEND_OF_BATCH = "select coalesce(sum(spend_usd), 0) from jobs where batch_id = ?1";

    private static final String LAST_ENTERED = "job = ?1 and toStatus = ?2 order by at desc";
    private static final String TRANSITIONS_OF = "job = ?1 order by at, id";
    private static final String FIRST_ATTEMPT_SINCE_RELEASE = """
            select min(t.at) from JobTransition t where t.job = ?1 and t.toStatus = ?2
            and not exists (select 1 from JobTransition w where w.job = ?1 and w.at > t.at
                            and (w.fromStatus in ?3 or w.detail like ?4))""";

    /*
     * Each row draws its own id from the pooled sequence, so it takes a whole block: Hibernate, which
     * uses the block below each value it draws, never meets these ids. The transition copies the
     * status the row was stored with: QUEUED, or PAUSED while an operator holds submissions.
     */
    private static final String INSERT_NEW = """
            with stored as (
                insert into jobs (id, job_id, batch_id, status, input, output_bucket, output_key_prefix, metadata,
                        request_digest, trace_parent, trace_state, reuse_mode, output_key, output_key_parent, due_at,
                        created_at, updated_at, priority, batch_rank)
                select nextval('jobs_seq'), r.job_id, r.batch_id, case when %s then '%s' when %s then ? else ? end,
                        cast(r.input as jsonb), r.output_bucket,
                        r.output_key_prefix, cast(r.metadata as jsonb), r.request_digest, r.trace_parent, r.trace_state,
                        r.reuse_mode, r.output_key, r.output_key_parent, ?, ?, ?, r.priority, r.batch_rank
                from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                            ?::text[], ?::text[], ?::text[], ?::text[], ?::int[], ?::bigint[])
                        as r(job_id, batch_id, input, output_bucket, output_key_prefix, metadata, request_digest,
                             trace_parent, trace_state, reuse_mode, output_key, output_key_parent, priority, batch_rank)
                -- a taken job id, or a taken output key (jobs_output_key): the caller tells which
                on conflict do nothing
                returning id, job_id, status, created_at
            ), transitions as (
                insert into job_transitions (id, job, from_status, to_status, at, detail)
                select nextval('job_transitions_seq'), id, null, status, created_at,
                       case when status = ? then ? when status = '%s' then '%s' end from stored
            )
            select job_id from stored""".formatted(AWAITS_CANARY, JobStatus.AWAITING_APPROVAL.name(), HELD,
            JobStatus.AWAITING_APPROVAL.name(), CanaryHolds.HELD);
    /**
     * Intake's locks on families of named output keys ({@code OutputKeys.familyOf}), given sorted so that
     * two workers take them in one order; the two-int form never meets {@link #SUBMISSION_CLAIM_LOCK}.
     */
    private static final String LOCK_OUTPUT_KEY_FAMILIES = """
            select count(pg_advisory_xact_lock(?, family)) from unnest(?::int[]) as family""";
    private static final int OUTPUT_KEY_FAMILY_LOCKS = 0x656B6579;
    /**
     * For each requested named key, another job whose outputs it would meet: the same key, the key it
     * would be a further output of, or a key that would be one of its further outputs.
     */
    private static final String HOLDERS_OF_OUTPUT_KEYS = """
            select r.job_id, (select j.job_id from jobs j
                              where j.output_bucket = r.bucket and j.job_id <> r.job_id
                                and (j.output_key = r.output_key or j.output_key = r.parent
                                     or j.output_key_parent = r.output_key)
                              order by j.job_id limit 1)
            from unnest(?::text[], ?::text[], ?::text[], ?::text[]) as r(job_id, bucket, output_key, parent)""";
    private static final String BATCHES_OF_JOBS = "select job_id, batch_id from jobs where job_id in (?1) and batch_id is not null";
    /** Reads the jobs table the way intake does. */
    private static final String PROBE = "select id from jobs limit 1";

    /**
     * Moves jobs in ?1 whose hold is as ?5 says to ?2, recording each move as a transition in the same
     * statement: the jobs of batch ?6, or of every batch.
     */
    private static final String MOVE_BY_HOLD = """
            with target as (
                select id, status from jobs where status in (?1) and %s = ?5 and %s order by id for update
            ), moved as (
                update jobs j set status = ?2, updated_at = ?3, version = j.version + 1, lease_owner = null
                from target where j.id = target.id returning j.id, target.status as from_status
            )
            insert into job_transitions (id, job, from_status, to_status, at, detail)
            select nextval('job_transitions_seq'), id, from_status, ?2, ?3, ?4 from moved""";
    private static final String MOVE_BY_HOLD_IN_ALL = MOVE_BY_HOLD.formatted(HELD, "true");
    private static final String MOVE_BY_HOLD_IN_BATCH = MOVE_BY_HOLD.formatted(HELD, "batch_id = ?6");
    private static final String COUNT_IN_BATCH = "select count(*) from jobs where batch_id = ?1 and status in (?2)";
    /** Moves up to ?3 jobs of batch ?1 in ?2, in arrival order, to ?4 (canary if ?5), recording each move. */
    private static final String MOVE_IN_ARRIVAL_ORDER = """
            with target as (
                select id, status from jobs where batch_id = ?1 and status = ?2 order by batch_rank, id limit ?3 for update
            ), moved as (
                update jobs j set status = ?4, canary = j.canary or ?5, updated_at = ?6, due_at = ?6,
                    version = j.version + 1, lease_owner = null
                from target where j.id = target.id returning j.id, target.status as from_status
            )
            insert into job_transitions (id, job, from_status, to_status, at, detail)
            select nextval('job_transitions_seq'), id, from_status, ?4, ?6, ?7 from moved""";
    private static final String COUNT_CANARY = "select count(*) from jobs where batch_id = ?1 and canary";
    private static final String CANARY_OF_BATCH = "batchId = ?1 and canary = true order by batchRank, id";
    /** Rejected batches are cancelled ones: the cancellation sweep takes their jobs. */
    private static final String CANARIES_TO_RELEASE = """
            select b.batch_key, b.canary_jobs, b.approved_at is not null from batches b
            where b.canary_jobs is not null and b.cancelled_at is null
              and (b.approved_at is not null or b.canary_ended_at is null)
              and exists (select 1 from jobs j where j.batch_id = b.batch_key and j.status = 'AWAITING_APPROVAL')""";
    private static final String CANCELLED_BATCHES_WITH_JOBS_IN = """
            select batch_key from batches where cancelled_at is not null
            and exists (select 1 from jobs where batch_id = batch_key and status in (?1))""";
    /** Notes that the operator cancelled the batch's jobs in ?2 (a task of theirs may run or have run), first note kept. */
    private static final String MARK_CANCEL_REQUESTED_IN_BATCH = """
            update jobs set cancel_requested_at = coalesce(cancel_requested_at, ?3), version = version + 1
            where batch_id = ?1 and status in (?2) and cancel_requested_at is null""";
    private static final String LOCK_CANCEL_REQUESTED = "cancelRequestedAt is not null and status in ?1 and id > ?2 order by id";
    /** What the cancellation of the batch's jobs has come to so far (V18's columns). */
    private static final String CANCEL_OUTCOMES_OF_BATCH = """
            select count(*) filter (where status = ?2),
                   count(*) filter (where status = ?2 and upstream_cancelled),
                   count(*) filter (where status in (?3) and cancel_requested_at is not null),
                   count(*) filter (where status in (?4) and cancel_requested_at is not null)
            from jobs where batch_id = ?1""";
    private static final String FAILED_IDS_OF_BATCH = """
            select job_id from jobs where batch_id = ?1 and status = ?2 order by job_id limit ?3""";

    /** The listing, filtered by those of {@link #LISTING_FILTERS} that are given (the indexes of V11 serve them). */
    private static final String LISTING = """
            select id, job_id, batch_id, status, error_code, error_message, attempts, retries, spend_usd, cost_usd,
                   created_at, finished_at,
                   case when jsonb_typeof(outputs) = 'array' then jsonb_array_length(outputs) > 0 else false end,
                   coalesce(has_nsfw_contents @> '[true]'::jsonb, false)
            from jobs where true""";
    private static final Map<String, String> LISTING_FILTERS = Map.of(
            "statuses", " and status in (:statuses)",
            "batch", " and batch_id = :batch",
            "error", " and error_code = :error",
            "after", " and created_at >= :after",
            "before", " and created_at < :before",
            "cursor", " and id < :cursor");
    private static final String LISTING_ORDER = " order by id desc limit :limit";
    private static final String IN_BATCH = "select job_id from jobs where batch_id = ?1 and job_id in (?2)";

    private static final String COUNT_OTHERS_OF_BATCH = "select count(*) from jobs where batch_id = ? and not (job_id = any(?))";
    /** One small query on the batch's failed jobs (the batch_id index finds them), by error code. */
    private static final String FAILURES_OF_BATCH = """
            select coalesce(error_code, ''), count(*), 0, array_to_string((array_agg(job_id order by job_id))[1:?3], ' ')
            from jobs where batch_id = ?1 and status = ?2 group by 1 order by 2 desc, 1""";
    /**
     * Each job id's latest rejection since {@code ?2}, grouped by its problems, with how many of them
     * were rejected although their job exists (sent again with a different request).
     */
    private static final String REJECTIONS_OF_BATCH = """
            with latest as (
                select distinct on (job_id) job_id, problems from rejected_messages
                where starts_with(job_id, ?1) and received_at >= ?2 order by job_id, received_at desc)
            select l.problems::text, count(*), count(j.id),
                   array_to_string((array_agg(l.job_id order by l.job_id))[1:?3], ' ')
            from latest l left join jobs j on j.job_id = l.job_id group by 1 order by 2 desc, 1""";

    /**
     * A batch's jobs for its manifest, in the order they were stored (the batch_id index gives it without a
     * sort), the source without its query string or fragment: a presigned URL's signature is never read out.
     */
    private static final String MANIFEST_OF_BATCH = """
            select job_id, status, split_part(split_part(input ->> 'image', '?', 1), '#', 1), outputs::text,
                   has_nsfw_contents::text, cost_usd, error_code, error_message, created_at, submitted_at, finished_at
            from jobs where batch_id = ? order by id""";

    /** finished_at is set only when a job reaches a final state, and no transition follows it. */
    private static final String PURGE_FINISHED_TRANSITIONS = """
            delete from job_transitions where ctid in (
                select t.ctid from job_transitions t join jobs j on j.id = t.job
                where t.at < ?1 and j.finished_at < ?1 limit ?2)""";

    /** Deliveries whose job is known (by prediction, or tagged with an attempt that awaits its task), or that waited long enough. */
    private static final String LOCK_DELIVERIES_TO_APPLY = """
            select d.webhook_id, d.webhook_timestamp, d.prediction_id, d.body, d.tagged_job, d.tagged_attempt
            from webhook_deliveries d
            where d.applied_at is null
              and (exists (select 1 from jobs j where j.prediction_id = d.prediction_id)
                   or exists (select 1 from jobs j where j.id = d.tagged_job and j.attempts = d.tagged_attempt
                              and j.status in (?3))
                   or d.received_at < ?2)
            order by d.received_at limit ?1 for update of d skip locked""";

    private final EntityManager entityManager;

    JobStore(EntityManager entityManager) {
        this.entityManager = entityManager;
    }

    // --- the entity path: static, because the entity calls it and entities are not injected

    /**
     * Moves {@code job} to {@code next} if the transition table allows it, recording the transition;
     * the entity's {@code @Version} makes a concurrent writer fail at the flush.
     */
    static void recordMove(Job job, JobStatus next, Instant now, String detail) {
        if (!job.status.canMoveTo(next)) {
            throw new IllegalTransitionException(job.jobId, job.status, next);
        }
        JobTransition.of(job, job.status, next, now, detail).persist();
        job.status = next;
        job.updatedAt = now;
    }

    /** When the job last entered {@code status}, as its recorded transitions say. */
    static Optional<Instant> lastEntered(Job job, JobStatus status) {
        return JobTransition.<JobTransition> find(LAST_ENTERED, job.id, status.name()).firstResultOptional()
                .map(transition -> transition.at);
    }

    /** The job with this job id; static, so that code that is not a bean (tests' helpers) reads it the same way. */
    public static Optional<Job> findByJobId(String jobId) {
        return Job.<Job> find(BY_JOB_ID, jobId).firstResultOptional();
    }

    // --- claims and write-backs

    /** Leases up to {@code limit} due jobs in one of {@code statuses} until {@code leaseUntil}, with the time each fell due. */
    List<JobClaims.Claimed> claimDue(Set<JobStatus> statuses, Instant leaseUntil, String owner, Instant now, int limit,
            boolean readOnly) {
        return claim(CLAIM_DUE, statuses, leaseUntil, owner, now, limit, readOnly);
    }

    /** As {@link #claimDue}, for submission: jobs no operator's hold covers, in submission order, to be changed. */
    List<JobClaims.Claimed> claimForSubmission(Instant leaseUntil, String owner, Instant now, int limit) {
        return claim(CLAIM_FOR_SUBMISSION, JobStatus.WAITING_TO_SUBMIT, leaseUntil, owner, now, limit, false);
    }

    /**
     * Jobs only read by the caller come back read-only: no snapshot is kept and nothing is dirty-checked,
     * which is most of what a claim used to cost. The version moves as with any other write.
     */
    private List<JobClaims.Claimed> claim(String statement, Set<JobStatus> statuses, Instant leaseUntil, String owner,
            Instant now, int limit, boolean readOnly) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager.createNativeQuery(statement)
                .unwrap(NativeQuery.class)
                .addEntity(Job.class)
                .addScalar("was_due", Instant.class)
                .setParameter(1, leaseUntil)
                .setParameter(2, owner)
                .setParameter(3, names(statuses))
                .setParameter(4, now)
                .setParameter(5, limit)
                .setHint(HibernateHints.HINT_READ_ONLY, readOnly)
                .getResultList();
        return rows.stream().map(row -> new JobClaims.Claimed((Job) row[0], (Instant) row[1])).toList();
    }

    /** Makes the submission claims of all workers take turns, until the caller's transaction ends. */
    void takeSubmissionClaimLock() {
        entityManager.createNativeQuery(TAKE_SUBMISSION_CLAIM_LOCK).setParameter(1, SUBMISSION_CLAIM_LOCK).getSingleResult();
    }

    /** When the earliest job in one of {@code statuses} falls due, if any is waiting. */
    Optional<Instant> nextDue(Set<JobStatus> statuses) {
        return Optional.ofNullable(entityManager.createQuery(NEXT_DUE, Instant.class).setParameter(1, statuses)
                .getSingleResult());
    }

    long countIn(Set<JobStatus> statuses) {
        return Job.count(COUNT_IN, statuses);
    }

    /** The jobs of {@code ids} that exist, locked, by id. */
    Map<Long, Job> lockAll(List<Long> ids) {
        return Job.<Job> find(LOCK_BY_IDS, ids).withLock(LockModeType.PESSIMISTIC_WRITE).stream()
                .collect(Collectors.toMap(job -> job.id, job -> job));
    }

    /** Writes the changes made so far, so that a refused write fails in this call, not in the commit's synchronisation. */
    void flush() {
        entityManager.flush();
    }

    /** The jobs in {@code status} leased to {@code owner}, locked. */
    List<Job> lockLeasedTo(String owner, JobStatus status) {
        return Job.<Job> find(LOCK_LEASED_TO, owner, status).withLock(LockModeType.PESSIMISTIC_WRITE).list();
    }

    /** Makes every job leased to {@code owner} due {@code now} and unleased; returns how many. */
    int handBackLeases(String owner, Instant now) {
        return Job.update(HAND_BACK_LEASES, now, owner);
    }

    /** Job {@code id}, locked, if it exists. */
    public Optional<Job> lock(long id) {
        return Job.<Job> findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
    }

    /** The job with this job id, locked, if it exists. */
    public Optional<Job> lockByJobId(String jobId) {
        return Job.<Job> find(BY_JOB_ID, jobId).withLock(LockModeType.PESSIMISTIC_WRITE).firstResultOptional();
    }

    /**
     * The job following {@code predictionId}, locked. Jobs changed earlier in the caller's transaction are
     * not what this looks for: flushing them for every lookup made a round of webhooks quadratic.
     */
    public Optional<Job> lockFollowing(String predictionId) {
        return Job.<Job> find(BY_PREDICTION, predictionId).withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint(HibernateHints.HINT_FLUSH_MODE, FlushMode.COMMIT).firstResultOptional();
    }

    // --- spend

    /** What the attempts started since {@code from} may cost. */
    BigDecimal spendSince(Instant from) {
        return (BigDecimal) entityManager.createNativeQuery(SPEND_SINCE).setParameter(1, from).getSingleResult();
    }

    /** What the batch's submissions may cost. */
    BigDecimal spendOfBatch(String batchId) {
        return (BigDecimal) entityManager.createNativeQuery(SPEND_OF_BATCH).setParameter(1, batchId).getSingleResult();
    }

    // --- transitions

    /**
     * When the job's current run of submission attempts began: its first attempt since it was accepted,
     * released from a budget hold or an operator's pause, retried by an operator, or paused by a
     * refused account (deliberate waits, not failed attempts).
     */
    public Optional<Instant> firstAttemptSinceRelease(Job job) {
        return Optional.ofNullable(entityManager.createQuery(FIRST_ATTEMPT_SINCE_RELEASE, Instant.class)
                .setParameter(1, job.id).setParameter(2, JobStatus.SUBMITTING.name())
                .setParameter(3, names(JobStatus.DELIBERATE_WAITS)).setParameter(4, Job.ACCOUNT_PAUSE + "%")
                .getSingleResult());
    }

    /**
     * The job's recorded transitions, by time first: ids come from blocks each worker (and intake's bulk
     * insert) takes from the sequence, out of order.
     */
    public List<JobTransition> transitionsOf(Job job) {
        return JobTransition.<JobTransition> list(TRANSITIONS_OF, job.id);
    }

    // --- intake

    /**
     * A job to store: the request's values, JSON already serialised, and its turn within its batch.
     *
     * @param outputKey the named key of output 0, or null
     * @param outputKeyParent the named key whose further output {@code outputKey} could be, or null
     */
    public record NewJob(String jobId, String batchId, String inputJson, String outputBucket, String outputKeyPrefix,
            String outputKey, String outputKeyParent, String metadataJson, String requestDigest, String traceParent,
            String traceState, String reuseMode, int priority, long batchRank) {
    }

    /**
     * Inserts each job (job ids distinct) whose job id is not taken yet, queued, or paused while an
     * operator holds it, with its first transition, in one statement in the caller's transaction: no
     * entity is built, loaded or dirty-checked on the hot path of intake.
     *
     * @param pausedDetail the transition detail of a job stored paused
     * @return the job ids inserted; any other was already taken
     */
    public Set<String> insertNew(List<NewJob> jobs, String pausedDetail, Instant now) {
        if (jobs.isEmpty()) {
            return Set.of();
        }
        int size = jobs.size();
        String[][] columns = new String[12][size];
        Integer[] priorities = new Integer[size];
        Long[] ranks = new Long[size];
        for (int row = 0; row < size; row++) {
            NewJob job = jobs.get(row);
            columns[0][row] = job.jobId();
            columns[1][row] = job.batchId();
            columns[2][row] = job.inputJson();
            columns[3][row] = job.outputBucket();
            columns[4][row] = job.outputKeyPrefix();
            columns[5][row] = job.metadataJson();
            columns[6][row] = job.requestDigest();
            columns[7][row] = job.traceParent();
            columns[8][row] = job.traceState();
            columns[9][row] = job.reuseMode();
            columns[10][row] = job.outputKey();
            columns[11][row] = job.outputKeyParent();
            priorities[row] = job.priority();
            ranks[row] = job.batchRank();
        }
        OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
        return entityManager.unwrap(Session.class).doReturningWork(connection -> insertNew(connection, columns,
                priorities, ranks, pausedDetail, at));
    }

    private static Set<String> insertNew(Connection connection, String[][] columns, Integer[] priorities, Long[] ranks,
            String pausedDetail, OffsetDateTime at) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT_NEW)) {
            insert.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            insert.setString(1, JobStatus.PAUSED.name());
            insert.setString(2, JobStatus.QUEUED.name());
            insert.setObject(3, at);
            insert.setObject(4, at);
            insert.setObject(5, at);
            for (int column = 0; column < columns.length; column++) {
                insert.setArray(6 + column, connection.createArrayOf("text", columns[column]));
            }
            insert.setArray(6 + columns.length, connection.createArrayOf("integer", priorities));
            insert.setArray(7 + columns.length, connection.createArrayOf("bigint", ranks));
            insert.setString(8 + columns.length, JobStatus.PAUSED.name());
            insert.setString(9 + columns.length, pausedDetail);
            Set<String> stored = new HashSet<>();
            try (ResultSet rows = insert.executeQuery()) {
                while (rows.next()) {
                    stored.add(rows.getString(1));
                }
            }
            return stored;
        }
    }

    // --- reuse

    /** A completed job's id, stored outputs and WaveSpeed's NSFW flags for them. */
    public record CompletedTwin(String jobId, List<StoredOutput> outputs, List<Boolean> hasNsfwContents) {
    }

    /** The latest job with {@code reuseKey} that completed at {@code since} or later, if any. */
    public Optional<CompletedTwin> completedTwin(String reuseKey, Instant since) {
        @SuppressWarnings("unchecked")
        List<Job> rows = entityManager.createNativeQuery(COMPLETED_TWIN)
                .unwrap(NativeQuery.class)
                .addEntity(Job.class)
                .setParameter(1, reuseKey)
                .setParameter(2, since)
                .setHint(HibernateHints.HINT_READ_ONLY, true)
                .getResultList();
        return rows.stream().findFirst().map(job -> new CompletedTwin(job.jobId, job.outputs, job.hasNsfwContents));
    }

    /** The jobs of each of these batches served with copies of a completed twin's outputs; batches with none left out. */
    public Map<String, Long> reusedIn(Collection<String> batchIds) {
        if (batchIds.isEmpty()) {
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager.createNativeQuery(REUSED_IN_BATCHES).setParameter(1, batchIds).getResultList();
        return rows.stream().collect(Collectors.toMap(row -> (String) row[0], row -> ((Number) row[1]).longValue()));
    }

    /** How many jobs completed since {@code from} with an inference time WaveSpeed reported, and its average. */
    public record InferenceTimes(long jobs, double averageMs) {
    }

    public InferenceTimes inferenceSince(Instant from) {
        Object[] row = (Object[]) entityManager.createNativeQuery(INFERENCE_SINCE).setParameter(1, from).getSingleResult();
        return new InferenceTimes(((Number) row[0]).longValue(), ((Number) row[1]).doubleValue());
    }

    /**
     * Takes, until the caller's transaction ends, the locks of these families of named output keys, so that
     * no other intake stores a key of one of them in between {@link #holdersOfOutputKeys} and the insert.
     */
    public void lockOutputKeyFamilies(Collection<Integer> families) {
        if (families.isEmpty()) {
            return;
        }
        Integer[] sorted = families.stream().distinct().sorted().toArray(Integer[]::new);
        entityManager.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement lock = connection.prepareStatement(LOCK_OUTPUT_KEY_FAMILIES)) {
                lock.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                lock.setInt(1, OUTPUT_KEY_FAMILY_LOCKS);
                lock.setArray(2, connection.createArrayOf("integer", sorted));
                lock.executeQuery().close();
            }
        });
    }

    /**
     * For each of these jobs that names an output key, the id of another job whose outputs its outputs would
     * meet (see {@link #HOLDERS_OF_OUTPUT_KEYS}), if there is one.
     */
    public Map<String, String> holdersOfOutputKeys(List<NewJob> jobs) {
        List<NewJob> named = jobs.stream().filter(job -> job.outputKey() != null).toList();
        if (named.isEmpty()) {
            return Map.of();
        }
        return entityManager.unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement holders = connection.prepareStatement(HOLDERS_OF_OUTPUT_KEYS)) {
                holders.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                holders.setArray(1, connection.createArrayOf("text", named.stream().map(NewJob::jobId).toArray()));
                holders.setArray(2, connection.createArrayOf("text", named.stream().map(NewJob::outputBucket).toArray()));
                holders.setArray(3, connection.createArrayOf("text", named.stream().map(NewJob::outputKey).toArray()));
                holders.setArray(4, connection.createArrayOf("text", named.stream().map(NewJob::outputKeyParent).toArray()));
                Map<String, String> found = new LinkedHashMap<>();
                try (ResultSet rows = holders.executeQuery()) {
                    while (rows.next()) {
                        if (rows.getString(2) != null) {
                            found.put(rows.getString(1), rows.getString(2));
                        }
                    }
                }
                return found;
            }
        });
    }

    /** The batch id of each of these job ids that is a job with a batch. */
    public Map<String, String> batchesOf(Set<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager.createNativeQuery(BATCHES_OF_JOBS).setParameter(1, jobIds).getResultList();
        return rows.stream().collect(Collectors.toMap(row -> (String) row[0], row -> (String) row[1]));
    }

    /** The jobs of these job ids that exist. */
    public List<Job> findByJobIds(Set<String> jobIds) {
        return Job.<Job> list(BY_JOB_IDS, jobIds);
    }

    /** Reads the jobs table as intake does, on the probe's own connection and statement. */
    public static void probe(Statement statement) throws SQLException {
        statement.executeQuery(PROBE).close();
    }

    // --- operators

    /**
     * Moves the jobs in one of {@code from} that an operator's hold covers ({@code held}) or no longer
     * covers (not {@code held}) to {@code to}, recording every move as a transition, in one statement: the
     * jobs of {@code batchId}, or of every batch if null. Only the states of {@code from} that the
     * transition table lets move to {@code to} are moved.
     *
     * @return how many moved
     */
    public long moveByHold(Set<JobStatus> from, JobStatus to, boolean held, String batchId, String detail, Instant now) {
        Set<JobStatus> legal = JobStatus.allowedBefore(to);
        legal.retainAll(from);
        if (legal.isEmpty()) {
            return 0;
        }
        var move = entityManager.createNativeQuery(batchId == null ? MOVE_BY_HOLD_IN_ALL : MOVE_BY_HOLD_IN_BATCH)
                .setParameter(1, names(legal))
                .setParameter(2, to.name())
                .setParameter(3, now)
                .setParameter(4, detail)
                .setParameter(5, held);
        if (batchId != null) {
            move.setParameter(6, batchId);
        }
        return move.executeUpdate();
    }

    /**
     * Moves up to {@code limit} jobs of the batch in {@code from}, in arrival order, to {@code to}, marking
     * them as the batch's canary if {@code canary}, and records every move as a transition, in one statement.
     *
     * @return how many moved
     */
    private long moveInArrivalOrder(String batchId, JobStatus from, JobStatus to, long limit, boolean canary,
            String detail, Instant now) {
        if (!from.canMoveTo(to)) {
            throw new IllegalTransitionException(batchId, from, to);
        }
        return entityManager.createNativeQuery(MOVE_IN_ARRIVAL_ORDER).setParameter(1, batchId)
                .setParameter(2, from.name()).setParameter(3, limit).setParameter(4, to.name())
                .setParameter(5, canary).setParameter(6, now).setParameter(7, detail).executeUpdate();
    }

    /**
     * Queues the batch's first jobs awaiting approval, in arrival order, as its canary, until it has
     * {@code canaryJobs}; the caller makes releases of one batch take turns.
     *
     * @return how many were released
     */
    public long releaseCanary(String batchId, int canaryJobs, Instant now) {
        long released = Rows.number(entityManager.createNativeQuery(COUNT_CANARY).setParameter(1, batchId)
                .getSingleResult());
        return released >= canaryJobs ? 0 : moveInArrivalOrder(batchId, JobStatus.AWAITING_APPROVAL, JobStatus.QUEUED,
                canaryJobs - released, true, CanaryHolds.RELEASED, now);
    }

    /** Queues every job of the batch awaiting approval: its canary was approved. */
    public long releaseApproved(String batchId, Instant now) {
        return moveInArrivalOrder(batchId, JobStatus.AWAITING_APPROVAL, JobStatus.QUEUED, Long.MAX_VALUE, false,
                CanaryHolds.APPROVED, now);
    }

    /** Batches with jobs awaiting approval that are to be released: approved ones, and canaries still short of jobs. */
    public record CanaryToRelease(String batchId, int canaryJobs, boolean approved) {
    }

    /** The batches whose jobs awaiting approval are to be queued now, approved or as their canary. */
    public List<CanaryToRelease> canariesToRelease() {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager.createNativeQuery(CANARIES_TO_RELEASE).getResultList();
        return rows.stream().map(row -> new CanaryToRelease((String) row[0], ((Number) row[1]).intValue(),
                (Boolean) row[2])).toList();
    }

    /** The batch's canary, in arrival order. */
    public List<Job> canaryOf(String batchId) {
        return Job.<Job> list(CANARY_OF_BATCH, batchId);
    }

    /** How many jobs of the batch are in one of {@code statuses}. */
    public long countInBatch(String batchId, Set<JobStatus> statuses) {
        return Rows.number(entityManager.createNativeQuery(COUNT_IN_BATCH).setParameter(1, batchId)
                .setParameter(2, names(statuses)).getSingleResult());
    }

    /** Up to {@code limit} jobs of the batch in one of {@code statuses} with an id above {@code afterId}, locked, by id. */
    public List<Job> lockInBatch(String batchId, Set<JobStatus> statuses, long afterId, int limit) {
        return Job.<Job> find(LOCK_IN_BATCH, batchId, statuses, afterId).withLock(LockModeType.PESSIMISTIC_WRITE)
                .page(0, limit).list();
    }

    /** The cancelled batches that have jobs in one of {@code statuses}. */
    public List<String> cancelledBatchesWithJobsIn(Set<JobStatus> statuses) {
        @SuppressWarnings("unchecked")
        List<String> batches = entityManager.createNativeQuery(CANCELLED_BATCHES_WITH_JOBS_IN)
                .setParameter(1, names(statuses)).getResultList();
        return batches;
    }

    /**
     * Notes that an operator cancelled the batch's jobs in one of {@code statuses} while a task of theirs may
     * run or have run, in one statement; their status stays as it is.
     */
    public int markCancelRequested(String batchId, Set<JobStatus> statuses, Instant now) {
        return entityManager.createNativeQuery(MARK_CANCEL_REQUESTED_IN_BATCH).setParameter(1, batchId)
                .setParameter(2, names(statuses)).setParameter(3, now).executeUpdate();
    }

    /** Up to {@code limit} jobs an operator cancelled that are in one of {@code statuses}, with an id above {@code afterId}, locked, by id. */
    public List<Job> lockCancelRequested(Set<JobStatus> statuses, long afterId, int limit) {
        return Job.<Job> find(LOCK_CANCEL_REQUESTED, statuses, afterId).withLock(LockModeType.PESSIMISTIC_WRITE)
                .page(0, limit).list();
    }

    /**
     * How far the cancellation of a batch's jobs has come.
     *
     * @param cancelled jobs ended CANCELLED, whether before submission or after their task was deleted
     * @param upstreamCancelled of those, the ones whose running task was deleted upstream
     * @param cancelling jobs whose task is being deleted, or whose submission's answer is still awaited
     * @param deliveredBeforeCancel jobs whose task had finished before its cancel or delete arrived: delivered
     */
    public record CancelOutcomes(long cancelled, long upstreamCancelled, long cancelling, long deliveredBeforeCancel) {
    }

    public CancelOutcomes cancelOutcomesOfBatch(String batchId) {
        Object[] row = (Object[]) entityManager.createNativeQuery(CANCEL_OUTCOMES_OF_BATCH).setParameter(1, batchId)
                .setParameter(2, JobStatus.CANCELLED.name()).setParameter(3, names(JobStatus.CANCEL_PENDING))
                .setParameter(4, names(JobStatus.FINISHED_UPSTREAM)).getSingleResult();
        return new CancelOutcomes(Rows.number(row[0]), Rows.number(row[1]), Rows.number(row[2]), Rows.number(row[3]));
    }

    /** Up to {@code limit} job ids of the batch's failed jobs, in order. */
    public List<String> failedJobIds(String batchId, int limit) {
        @SuppressWarnings("unchecked")
        List<String> ids = entityManager.createNativeQuery(FAILED_IDS_OF_BATCH).setParameter(1, batchId)
                .setParameter(2, JobStatus.FAILED.name()).setParameter(3, limit).getResultList();
        return ids;
    }

    // --- the API's listing

    /**
     * What to list; null or empty fields do not filter.
     *
     * @param beforeId only jobs with a lower id (the page before), or null
     */
    public record Listing(Set<JobStatus> statuses, String batchId, String errorCode, Instant createdAfter,
            Instant createdBefore, Long beforeId, int limit) {
    }

    /** One job of a listing. */
    public record ListedJob(long id, String jobId, String batchId, JobStatus status, JobError error, int attempts,
            int retries, BigDecimal spendUsd, BigDecimal costUsd, Instant createdAt, Instant finishedAt,
            boolean hasOutputs, boolean flagged) {
    }

    /** Jobs as {@code listing} asks, newest (highest id) first. */
    public List<ListedJob> list(Listing listing) {
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (!listing.statuses().isEmpty()) {
            parameters.put("statuses", names(listing.statuses()));
        }
        filter(parameters, "batch", listing.batchId());
        filter(parameters, "error", listing.errorCode());
        filter(parameters, "after", listing.createdAfter());
        filter(parameters, "before", listing.createdBefore());
        filter(parameters, "cursor", listing.beforeId());
        StringBuilder sql = new StringBuilder(LISTING);
        parameters.keySet().forEach(name -> sql.append(LISTING_FILTERS.get(name)));
        sql.append(LISTING_ORDER);
        parameters.put("limit", listing.limit());
        var query = entityManager.createNativeQuery(sql.toString());
        parameters.forEach(query::setParameter);
        @SuppressWarnings("unchecked")
        List<Object[]> rows = query.getResultList();
        List<ListedJob> jobs = new ArrayList<>(rows.size());
        for (Object[] row : rows) {
            jobs.add(new ListedJob(((Number) row[0]).longValue(), (String) row[1], (String) row[2],
                    JobStatus.valueOf((String) row[3]), row[4] == null ? null : new JobError((String) row[4], (String) row[5]),
                    ((Number) row[6]).intValue(), ((Number) row[7]).intValue(), Rows.money(row[8]), Rows.money(row[9]),
                    Rows.instant(row[10]), Rows.instant(row[11]), (Boolean) row[12], (Boolean) row[13]));
        }
        return jobs;
    }

    private static void filter(Map<String, Object> parameters, String name, Object value) {
        if (value != null && !"".equals(value)) {
            parameters.put(name, value);
        }
    }

    /**
     * One job of a batch's manifest.
     *
     * @param outputsJson the stored outputs as JSON (an array), or null
     * @param nsfwJson has_nsfw_contents as WaveSpeed reported it (an array of booleans), or null
     */
    public record ManifestRow(String jobId, String status, String source, String outputsJson, String nsfwJson,
            BigDecimal costUsd, String errorCode, String errorMessage, Instant createdAt, Instant submittedAt,
            Instant finishedAt) {
    }

    /**
     * Hands each job of the batch to {@code row}, read through a server-side cursor {@code fetchSize} rows at a
     * time, so that a batch of any size streams in bounded memory. Needs the caller's transaction: without one
     * the driver reads every row before the first.
     */
    public void forEachManifestRow(String batchId, int fetchSize, Consumer<ManifestRow> row) {
        entityManager.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement select = connection.prepareStatement(MANIFEST_OF_BATCH)) {
                select.setFetchSize(fetchSize);
                select.setString(1, batchId);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        row.accept(new ManifestRow(rows.getString(1), rows.getString(2), rows.getString(3),
                                rows.getString(4), rows.getString(5), rows.getBigDecimal(6), rows.getString(7),
                                rows.getString(8), instant(rows, 9), instant(rows, 10), instant(rows, 11)));
                    }
                }
            }
        });
    }

    private static Instant instant(ResultSet rows, int column) throws SQLException {
        OffsetDateTime at = rows.getObject(column, OffsetDateTime.class);
        return at == null ? null : at.toInstant();
    }

    /** Those of {@code jobIds} that belong to the batch. */
    public Set<String> inBatch(String batchId, Collection<String> jobIds) {
        @SuppressWarnings("unchecked")
        List<String> found = entityManager.createNativeQuery(IN_BATCH).setParameter(1, batchId).setParameter(2, jobIds)
                .getResultList();
        return Set.copyOf(found);
    }

    // --- reports

    /** The jobs of the batch, by job id. */
    public List<Job> jobsOfBatch(String batchId) {
        return Job.<Job> list(OF_BATCH, batchId);
    }

    /** How many jobs of the batch are not among {@code jobIds}. */
    public long countOthersOfBatch(String batchId, Collection<String> jobIds) {
        return entityManager.unwrap(Session.class).doReturningWork(connection -> {
            try (PreparedStatement count = connection.prepareStatement(COUNT_OTHERS_OF_BATCH)) {
                count.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                count.setString(1, batchId);
                count.setArray(2, connection.createArrayOf("text", jobIds.toArray()));
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        });
    }

    /**
     * Jobs or requests that share a reason.
     *
     * @param stored of {@code jobs} rejected requests, those whose job exists all the same
     * @param examples the first few job ids, by job id
     */
    public record ReasonGroup(String reason, long jobs, long stored, List<String> examples) {
    }

    /** The batch's failed jobs by error code, with up to {@code examples} job ids each. */
    public List<ReasonGroup> failuresOfBatch(String batchId, int examples) {
        return reasons(FAILURES_OF_BATCH, batchId, JobStatus.FAILED.name(), examples);
    }

    /** The latest rejection of each job id starting {@code jobIdPrefix} since {@code since}, by its problems (JSON). */
    public List<ReasonGroup> rejectionsOfBatch(String jobIdPrefix, Instant since, int examples) {
        return reasons(REJECTIONS_OF_BATCH, jobIdPrefix, since, examples);
    }

    private List<ReasonGroup> reasons(String statement, Object first, Object second, int examples) {
        List<?> rows = entityManager.createNativeQuery(statement).setParameter(1, first).setParameter(2, second)
                .setParameter(3, examples).getResultList();
        List<ReasonGroup> reasons = new ArrayList<>(rows.size());
        for (Object row : rows) {
            Object[] columns = (Object[]) row;
            reasons.add(new ReasonGroup((String) columns[0], ((Number) columns[1]).longValue(), ((Number) columns[2]).longValue(),
                    List.of(((String) columns[3]).split(" "))));
        }
        return reasons;
    }

    // --- retention

    /** Deletes up to {@code limit} transitions older than {@code cutoff} of jobs that finished before it; returns how many. */
    public int purgeFinishedTransitions(Instant cutoff, int limit) {
        return entityManager.createNativeQuery(PURGE_FINISHED_TRANSITIONS).setParameter(1, cutoff).setParameter(2, limit)
                .executeUpdate();
    }

    // --- settlement

    /** Jobs left in SUBMISSION_UNKNOWN without a task whose attempt started between {@code from} and {@code to}. */
    public List<Job> unsettledBetween(Instant from, Instant to) {
        return Job.<Job> list(UNSETTLED_BETWEEN, JobStatus.SUBMISSION_UNKNOWN, from, to);
    }

    /** Whether a job still SUBMITTING sent its request in an attempt started between {@code from} and {@code to}. */
    public boolean anySentBetween(Instant from, Instant to) {
        return Job.count(SENT_BETWEEN, JobStatus.SUBMITTING, from, to) > 0;
    }

    // --- webhooks

    /** A stored webhook delivery to apply; the tag's job and attempt are null for an untagged one. */
    public record DeliveryToApply(String webhookId, long webhookTimestamp, String predictionId, String body,
            Long taggedJob, Integer taggedAttempt) {
    }

    /**
     * Up to {@code limit} unapplied deliveries, oldest first, locked (skipping those another worker holds):
     * only those whose job is known, or received before {@code unmatchedBefore}, so that unmatched ones
     * cannot crowd out the rest.
     */
    public List<DeliveryToApply> lockDeliveriesToApply(int limit, Instant unmatchedBefore) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager.createNativeQuery(LOCK_DELIVERIES_TO_APPLY)
                .setParameter(1, limit)
                .setParameter(2, unmatchedBefore)
                .setParameter(3, names(JobStatus.AWAITING_TASK))
                .getResultList();
        return rows.stream().map(row -> new DeliveryToApply((String) row[0], ((Number) row[1]).longValue(),
                (String) row[2], (String) row[3], row[4] == null ? null : ((Number) row[4]).longValue(),
                row[5] == null ? null : ((Number) row[5]).intValue())).toList();
    }

    private static List<String> names(Collection<JobStatus> statuses) {
        return statuses.stream().map(JobStatus::name).toList();
    }
}
