package io.enhance.worker.faults;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestSources;
import io.enhance.worker.testing.WorkerProcess;
import io.enhance.worker.testing.WorkerRole;

/**
 * The fault suite: real worker processes from the packaged jar, two sharing the load, against the
 * real PostgreSQL and RabbitMQ, an S3 store and the emulator, while things break. After each
 * scenario the database, the emulator's ledger of created tasks, the S3 store and an independent
 * event consumer must agree: every job has exactly one outcome and one event id, no task was
 * created twice, and every stored output matches its sha256. Run it with
 * {@code ./mvnw verify -Pfault-suite}; it prints a table and writes it to {@code target/fault-suite.md}.
 */
@Tag("fault-suite")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {

    private static final List<String> TABLE = new ArrayList<>();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Random RANDOM = new Random(20261124);
    private static final Duration SETTLE_TIMEOUT = Duration.ofMinutes(6);
    private static final Duration S3_OUTAGE = Duration.ofSeconds(60);
    private static final Duration POSTGRES_OUTAGE = Duration.ofSeconds(60);
    private static final Duration WRITE_REFUSAL = Duration.ofSeconds(60);

    @AfterAll
    static void printTheTable() throws Exception {
        String table = "| scenario | jobs | completed | failed | rejected | lost | paid, not delivered | duplicate submissions | duplicate events | missing S3 objects | wall time |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n" + String.join("\n", TABLE) + "\n";
        System.out.println(table);
        Files.writeString(Path.of("target/fault-suite.md"), table);
    }

    @Test
    @Order(1)
    void killsAWorkerFiveTimesAtRandomMomentsWhileTwoShareAThousandJobs() throws Exception {
        try (Scenario run = new Scenario("fault_kill", new EmulatorSettings().setMinLatencyMs(2000).setMaxLatencyMs(6000))) {
            // 50 in flight at 2-6 s make a run of about 80 s, so that a restart (seconds) never outlasts the work
            run.maxInFlight = 25;
            run.startWorkers(2);
            run.publishGood(1000);
            List<Long> unfinishedAtKills = new ArrayList<>();
            for (int kill = 0; kill < 5; kill++) {
                // a random point in each sixth of the run, fixed in advance, however fast the workers start
                long threshold = 100 + 150L * kill + RANDOM.nextInt(50);
                await().atMost(SETTLE_TIMEOUT).until(() -> run.finished() >= threshold);
                unfinishedAtKills.add(run.goodJobs.size() - run.finished());
                run.killAndRestartWorker(RANDOM.nextInt(2));
            }
            run.awaitSettled(0);
            run.verify("5 SIGKILLs at random moments, 2 workers", 0);
            assertThat(unfinishedAtKills).as("jobs unfinished at each kill").allMatch(unfinished -> unfinished > 0);
        }
    }

    @Test
    @Order(2)
    void killsTheWorkerThreeTimesWhileSubmitsAreInFlightWithTheDocumentedHistoryAndNoWebhooks() throws Exception {
        // as WaveSpeed may answer: each submit 400 ms after its task was created, so every kill cuts some off
        try (Scenario run = new Scenario("fault_kill_submit", new EmulatorSettings().setMinLatencyMs(1000)
                .setMaxLatencyMs(3000).setAnswerDelayMs(400))) {
            run.startWorkers(1);
            run.publishPaced(600, 60);
            // spread over the 600 tasks there can be (one per job): a kill point past them would never come
            for (int kill = 0; kill < 3; kill++) {
                long killAt = 100 + 150L * kill + RANDOM.nextInt(40);
                await().atMost(SETTLE_TIMEOUT).until(() -> run.rig.emulator.predictionCount() >= killAt);
                run.killAndRestartWorker(0);
            }
            run.awaitSettled(0);
            assertThat(run.count("select count(*) as n from job_transitions where to_status = 'SUBMISSION_UNKNOWN'"))
                    .as("submits cut off by the kills").isPositive();
            run.verify("3 SIGKILLs while submitting (answers 400 ms after the task), documented history, no webhooks", 0);
        }
    }

    @Test
    @Order(3)
    void restartsBothWorkersWithANewApiKeyWhilePredictionsAreInFlightWithWebhooks() throws Exception {
        try (Scenario run = new Scenario("fault_key", new EmulatorSettings().setMinLatencyMs(3000).setMaxLatencyMs(6000)
                .setDropRate(0.05))) {
            run.webhooks = true;
            run.startWorkers(2);
            run.publishGood(300);
            await().atMost(SETTLE_TIMEOUT).until(() -> run.finished() >= 60);
            String rotated = PackagedWorkerRig.API_KEY + "-rotated";
            run.rig.emulator.settings().setApiKey(rotated);
            run.settings.put("WAVESPEED_API_KEY", rotated);
            run.killAndRestartWorker(0);
            run.killAndRestartWorker(1);
            run.awaitSettled(0);
            assertThat(run.count("select count(*) as n from job_transitions where detail like 'found by its webhook tag:%'"))
                    .as("tasks bound by a tag made under the old key").isPositive();
            run.verify("both workers restarted with a new API key, webhooks on, 5% of submit answers dropped", 0);
        }
    }

    @Test
    @Order(4)
    void failsAloneTheOneJobWhosePromptWaveSpeedRefusesInABatchOf300() throws Exception {
        try (Scenario run = new Scenario("fault_forbidden", new EmulatorSettings().setMinLatencyMs(300).setMaxLatencyMs(1500)
                .setRefusedPrompt("/137"))) {
            run.startWorkers(2);
            run.publishGood(300);
            run.awaitSettled(0);
            assertThat(run.count("select count(*) as n from jobs where error_code = 'submission_refused' and spend_usd = 0"))
                    .as("the refused job, failed alone and for free").isEqualTo(1);
            assertThat(run.count("select count(*) as n from job_transitions where detail like 'account paused:%'"))
                    .as("submissions paused for the account").isZero();
            run.verify("1 job of 300 whose prompt WaveSpeed answers 403", 0);
        }
    }

    @Test
    @Order(5)
    void dropsEveryBrokerConnectionAndRestartsPostgresqlMidRun() throws Exception {
        try (Scenario run = new Scenario("fault_infra", new EmulatorSettings().setMinLatencyMs(500).setMaxLatencyMs(2000))) {
            run.startWorkers(2);
            run.publishGood(300);
            await().atMost(SETTLE_TIMEOUT).until(() -> run.finished() >= 50);
            shell("rabbitmqctl", "close_all_connections", "fault suite: broker connections dropped");
            await().atMost(SETTLE_TIMEOUT).until(() -> run.finished() >= 150);
            shell("pg_ctlcluster", "--skip-systemctl-redirect", postgresVersion(), "main", "restart");
            run.awaitSettled(0);
            run.verify("RabbitMQ connections closed, PostgreSQL restarted", 0);
        }
    }

    @Test
    @Order(6)
    void takesS3AwayForAMinute() throws Exception {
        try (Scenario run = new Scenario("fault_s3", new EmulatorSettings().setMinLatencyMs(300).setMaxLatencyMs(1500))) {
            run.startWorkers(2);
            run.publishGood(300);
            await().atMost(SETTLE_TIMEOUT).until(() -> run.finished() >= 30);
            run.rig.stopS3();
            // S3 stays away for a full minute, and the outage must bite: finished predictions wait to be delivered
            await().pollDelay(S3_OUTAGE).atMost(S3_OUTAGE.plusSeconds(30))
                    .until(() -> run.rig.countJobs("status = 'DELIVERING'") > 0);
            run.rig.startS3();
            run.awaitSettled(0);
            run.verify("S3 refuses for 60 s", 0);
        }
    }

    @Test
    @Order(7)
    void survivesAnUpstreamThatErrorsRateLimitsDropsFailsAndLosesWebhooks() throws Exception {
        try (Scenario run = new Scenario("fault_upstream", new EmulatorSettings().setMinLatencyMs(300).setMaxLatencyMs(1500)
                .setRate5xx(0.2).setRate429(0.1).setDropRate(0.05).setFailureRate(0.05).setWebhookLossRate(0.2)
                .setResultFaultRate(0.2))) {
            run.webhooks = true;
            // a failed task has no output to compare: if its webhook is lost and its submit went unanswered, the
            // attempts sharing its window stay undecided until the deadline, shortened here to fit the scenario
            run.settings.put("WAVESPEED_PREDICTION_DEADLINE", "2m");
            run.startWorkers(2);
            run.publishGood(300);
            run.awaitSettled(0);
            run.verify("20% 5xx, 10% 429, 5% drops, 5% failed, 20% lost webhooks", 0);
        }
    }

    @Test
    @Order(8)
    void rejectsTenThousandHostileMessagesMixedWithGoodOnes() throws Exception {
        try (Scenario run = new Scenario("fault_hostile", new EmulatorSettings().setMinLatencyMs(200).setMaxLatencyMs(800))) {
            run.startWorkers(2);
            int hostile = 10_000;
            run.publishMixed(200, hostile);
            run.awaitSettled(hostile);
            run.verify("10,000 hostile messages + 200 good", hostile);
        }
    }

    @Test
    @Order(9)
    void keepsValidJobsOutOfTheDeadLetterQueueWhilePostgresqlIsDownLongerThanTheDeliveryLimitAllows() throws Exception {
        try (Scenario run = new Scenario("fault_pgdown", new EmulatorSettings().setMinLatencyMs(300).setMaxLatencyMs(1500))) {
            run.waitOutADatabaseOutage(POSTGRES_OUTAGE,
                    () -> shell("pg_ctlcluster", "--skip-systemctl-redirect", postgresVersion(), "main", "stop"),
                    () -> shell("pg_ctlcluster", "--skip-systemctl-redirect", postgresVersion(), "main", "start"),
                    () -> { });
            run.verify("PostgreSQL stopped for 60 s (4 deliveries allowed)", 0);
        }
    }

    @Test
    @Order(10)
    void endsEveryJobWhileTwoPercentOfOutputDownloadsStallAfterTheirHeaders() throws Exception {
        try (Scenario run = new Scenario("fault_stall", new EmulatorSettings().setMinLatencyMs(300).setMaxLatencyMs(1500)
                .setOutputStallRate(0.02))) {
            run.startWorkers(2);
            run.publishGood(300);
            run.awaitSettled(0);
            assertThat(run.rig.emulator.stalledOutputs()).as("downloads that stalled").isNotEmpty();
            run.verify("2% of output downloads stall after their headers", 0);
        }
    }

    @Test
    @Order(11)
    void submitsNothingOfUnknownOutcomeWhenTheServerClosesIdleConnections() throws Exception {
        // Node's keep-alive: a connection idle for 5 s is closed, just as the client may send on it
        try (Scenario run = new Scenario("fault_idle", new EmulatorSettings().setMinLatencyMs(200).setMaxLatencyMs(800)
                .setIdleTimeoutMs(5000))) {
            run.startWorkers(2);
            for (int wave = 0; wave < 10; wave++) {
                long finishedBefore = run.finished();
                run.publishGood(30);
                // the wave ends, then its connections stay idle past the server's keep-alive
                await().atMost(SETTLE_TIMEOUT).until(() -> run.finished() == finishedBefore + 30);
                await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(20))
                        .until(() -> run.workers.stream().allMatch(worker -> readiness(worker) == 200));
            }
            run.awaitSettled(0);
            assertThat(run.count("select count(*) as n from job_transitions where to_status = 'SUBMISSION_UNKNOWN'"))
                    .as("submissions of unknown outcome").isZero();
            run.verify("server closes connections idle 5 s (Node's keep-alive), 10 waves", 0);
        }
    }

    @Test
    @Order(9)
    void keepsValidJobsOutOfTheDeadLetterQueueWhilePostgresqlRefusesWritesForAMinuteButAnswersReads() throws Exception {
        try (Scenario run = new Scenario("fault_read_only", new EmulatorSettings().setMinLatencyMs(300).setMaxLatencyMs(1500))) {
            WorkerRole role = run.logInAsOwnRole();
            // the sessions open when writes return stay read-only: the workers must replace them
            run.waitOutADatabaseOutage(WRITE_REFUSAL, role::refuseWrites, role::acceptWrites,
                    () -> assertThat(run.rig.countJobs("true")).as("jobs stored, none while writes were refused")
                            .isEqualTo(150));
            run.verify("PostgreSQL refuses writes for 60 s, still answers reads (4 deliveries allowed)", 0);
        }
    }

    @Test
    @Order(10)
    void paysForNoneOfTheFivePercentOfSourcesThatAnswer404OrPointAtAPrivateAddressInABatchOf300() throws Exception {
        try (Scenario run = new Scenario("fault_sources", new EmulatorSettings().setMinLatencyMs(300).setMaxLatencyMs(1500));
                TestSources sources = TestSources.start()) {
            run.startWorkers(2);
            List<String> missing = new ArrayList<>();
            List<String> unreachable = new ArrayList<>();
            String good = run.rig.s3.putSource(run.name + ".png", TestImages.card(24, 24, 7));
            for (int i = 0; i < 300; i++) {
                String jobId = run.name + "/" + i;
                String source = good;
                if (i % 40 == 10) { // valid, but answering 404: it fails before anything is paid
                    source = sources.missing("/" + i + ".png");
                    missing.add(jobId);
                } else if (i % 40 == 30) { // on a private address: rejected at intake
                    source = "http://10.20.30." + i % 250 + "/" + i + ".png";
                    unreachable.add(jobId);
                }
                if (!unreachable.contains(jobId)) {
                    run.goodJobs.add(jobId);
                }
                run.rig.broker.publish(run.rig.requests, job(jobId, source).batch(run.name).bytes());
            }
            run.awaitSettled(unreachable.size());
            assertThat(run.rig.emulator.submissions()).as("tasks created for unfetchable sources")
                    .noneMatch(s -> missing.contains(s.body().path("prompt").asText().substring("enhance ".length()))
                            || unreachable.contains(s.body().path("prompt").asText().substring("enhance ".length())));
            assertThat(run.count("select count(*) as n from jobs where status = 'FAILED' and error_code = 'source_unavailable'"
                    + " and spend_usd = 0")).as("404 sources failed free").isEqualTo(missing.size());
            run.verify("5% of sources answer 404 or are on a private address, 300 in one batch", unreachable.size());
        }
    }

    private static int readiness(WorkerProcess worker) {
        try {
            return worker.readiness();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String postgresVersion() {
        String[] versions = new File("/etc/postgresql").list();
        return versions == null || versions.length == 0 ? "15" : versions[0];
    }

    private static void shell(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s: %s", String.join(" ", command), output).isZero();
    }

    /** One scenario's rig, its workers, its jobs, and the checks that end it. */
    private static final class Scenario implements AutoCloseable {

        final PackagedWorkerRig rig;
        final String name;
        final EventLedger ledger;
        final List<WorkerProcess> workers = new ArrayList<>();
        final List<String> goodJobs = new ArrayList<>();
        final File log;
        final long started = System.nanoTime();
        boolean webhooks;
        int maxInFlight = 300;
        /** The database role the workers log in as, if the scenario has them use their own. */
        private WorkerRole role;
        /** The scenario's own worker settings, on top of the suite's. */
        final Map<String, String> settings = new HashMap<>();

        Scenario(String name, EmulatorSettings emulator) throws Exception {
            this.name = name;
            // the history as WaveSpeed documents it, and no webhooks unless a scenario asks for them
            rig = new PackagedWorkerRig(name, emulator);
            ledger = EventLedger.bindTo(rig.eventsExchange());
            log = new File("target/" + name + ".log");
            Files.deleteIfExists(log.toPath());
        }

        /** Before the workers start: they log in as a role of their own, whose writes the scenario can have refused. */
        WorkerRole logInAsOwnRole() throws Exception {
            role = WorkerRole.owning(rig.schema());
            settings.put("QUARKUS_DATASOURCE_USERNAME", role.name());
            return role;
        }

        void startWorkers(int count) throws Exception {
            for (int i = 0; i < count; i++) {
                workers.add(startWorker());
            }
        }

        private WorkerProcess startWorker() throws Exception {
            Map<String, String> env = rig.environment();
            env.put("WAVESPEED_MAX_IN_FLIGHT", String.valueOf(maxInFlight));
            env.put("WAVESPEED_REQUEST_TIMEOUT", "10s");
            env.put("WAVESPEED_HISTORY_MARGIN", "2s");
            env.put("WAVESPEED_HISTORY_LAG", "2s"); // the emulator lists a task the moment it is created
            env.put("WAVESPEED_RETRY_MAX_DELAY", "5s");
            env.put("WAVESPEED_WEBHOOK_POLL_DELAY", "20s");
            env.put("PIPELINE_SETTLE_INTERVAL", "1s");
            env.put("PIPELINE_LEASE_DURATION", "15s");
            // a lease must outlast a download plus an upload
            env.put("PIPELINE_DOWNLOAD_TIMEOUT", "6s");
            env.put("S3_CALL_TIMEOUT", "6s");
            env.putAll(settings);
            int port = WorkerProcess.freePort();
            if (webhooks) {
                env.put("WAVESPEED_WEBHOOK_URL", "http://127.0.0.1:" + port);
            }
            return WorkerProcess.start(env, log, port);
        }

        void killAndRestartWorker(int index) throws Exception {
            workers.get(index).kill();
            workers.set(index, startWorker());
        }

        /** Jobs as in a real batch: each of its own photo, so that a task's output shows whose it is. */
        void publishGood(int count) {
            for (int i = 0; i < count; i++) {
                publishOne();
            }
        }

        /** The same, {@code perSecond} at a time, returning once all are published. */
        void publishPaced(int count, int perSecond) throws Exception {
            ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger published = new AtomicInteger();
            publisher.scheduleAtFixedRate(() -> {
                if (published.get() < count) {
                    publishOne();
                    published.incrementAndGet();
                }
            }, 0, 1000 / perSecond, TimeUnit.MILLISECONDS);
            try {
                await().atMost(Duration.ofSeconds(2L * count / perSecond + 30)).until(() -> published.get() == count);
            } finally {
                publisher.shutdown();
            }
        }

        private synchronized void publishOne() {
            int index = goodJobs.size();
            String jobId = name + "/" + index;
            String source = rig.s3.putSource(jobId + ".png", TestImages.photo(24, 24, index));
            goodJobs.add(jobId);
            rig.broker.publish(rig.requests, job(jobId, source).batch(name).bytes());
        }

        void publishMixed(int good, int hostile) {
            int every = hostile / good;
            for (int i = 0; i < hostile; i++) {
                rig.broker.publish(rig.requests, HostileMessages.number(i));
                if (i % every == 0 && goodJobs.size() < good) {
                    publishOne();
                }
            }
        }

        /** A step of a scenario, which may throw whatever its tools throw. */
        @FunctionalInterface
        interface Step {
            void run() throws Exception;
        }

        /**
         * With 150 jobs under way, {@code begin} takes the database away and 150 more are published; after
         * {@code length} every worker must say it is not ready ({@code atItsEnd} checks more), and {@code end}
         * brings it back. Four deliveries are allowed, with a 1 s requeue pause doubling: a worker that
         * requeued would dead-letter within about 15 s. Returns once every job is settled, none dead-lettered.
         */
        void waitOutADatabaseOutage(Duration length, Step begin, Step end, Step atItsEnd) throws Exception {
            settings.put("QUEUES_DELIVERY_LIMIT", "4");
            settings.put("PIPELINE_REQUEUE_DELAY", "1s");
            startWorkers(2);
            publishGood(150);
            await().atMost(SETTLE_TIMEOUT).until(() -> finished() >= 30);
            begin.run();
            try {
                publishGood(150);
                // the outage lasts its full length, and every worker says it is not ready at its end
                await().pollDelay(length).atMost(length.plusSeconds(20))
                        .until(() -> workers.stream().allMatch(worker -> readiness(worker) == 503));
                atItsEnd.run();
            } finally {
                end.run();
            }
            awaitSettled(0);
            assertThat(rig.broker.drain(rig.requests + ".dlq")).as("dead-lettered requests").isEmpty();
        }

        /** Good jobs that reached a final state. */
        long finished() throws Exception {
            return rig.countJobs("status in ('COMPLETED', 'FAILED')");
        }

        void awaitSettled(int expectedRejections) throws Exception {
            await().atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofSeconds(1)).until(() -> finished() == goodJobs.size()
                    && count("select count(*) as n from rejected_messages") == expectedRejections
                    && count("select count(*) as n from outbox_events where sent_at is null") == 0);
        }

        private long count(String sql) throws Exception {
            return ((Number) rig.rows(sql).get(0).get("n")).longValue();
        }

        void verify(String description, int expectedRejections) throws Exception {
            Duration wall = Duration.ofNanos(System.nanoTime() - started);
            for (WorkerProcess worker : workers) {
                worker.terminate();
            }
            List<JsonNode> events = ledger.drain();
            Map<String, Set<String>> eventIdsByJob = new HashMap<>();
            Set<String> rejectionIds = new HashSet<>();
            for (JsonNode event : events) {
                if (event.path("type").asText().endsWith("rejected")) {
                    rejectionIds.add(event.path("id").asText());
                } else {
                    eventIdsByJob.computeIfAbsent(event.path("subject").asText(), job -> new HashSet<>())
                            .add(event.path("id").asText());
                }
            }
            Map<String, String> statusByJob = new HashMap<>();
            Map<String, String> outputsByJob = new HashMap<>();
            for (Map<String, Object> row : rig.rows("select job_id, status, outputs::text as outputs from jobs")) {
                statusByJob.put((String) row.get("job_id"), (String) row.get("status"));
                outputsByJob.put((String) row.get("job_id"), (String) row.get("outputs"));
            }
            long completed = goodJobs.stream().filter(job -> "COMPLETED".equals(statusByJob.get(job))).count();
            long failed = goodJobs.stream().filter(job -> "FAILED".equals(statusByJob.get(job))).count();
            long lost = goodJobs.stream().filter(job -> !Set.of("COMPLETED", "FAILED").contains(statusByJob.get(job))
                    || !eventIdsByJob.containsKey(job)).count() + Math.max(0, expectedRejections - rejectionIds.size());
            long duplicateEvents = eventIdsByJob.values().stream().filter(ids -> ids.size() > 1).count();
            Map<String, Integer> tasksByPrompt = new HashMap<>();
            rig.emulator.submissions().forEach(s -> tasksByPrompt.merge(s.body().path("prompt").asText(), 1, Integer::sum));
            long duplicateSubmissions = tasksByPrompt.values().stream().filter(n -> n > 1).count();
            Map<String, String> predictionByJob = new HashMap<>();
            rig.rows("select job_id, prediction_id from jobs where status = 'COMPLETED'")
                    .forEach(row -> predictionByJob.put((String) row.get("job_id"), (String) row.get("prediction_id")));
            // a task that finished upstream (paid) whose own job (its prompt names it) did not deliver it
            long paidNotDelivered = rig.emulator.submissions().stream()
                    .filter(task -> rig.emulator.status(task.predictionId()).filter("completed"::equals).isPresent())
                    .filter(task -> !task.predictionId().equals(predictionByJob.get(
                            task.body().path("prompt").asText().replaceFirst("^enhance ", ""))))
                    .count();
            long missingObjects = 0;
            for (String jobId : goodJobs) {
                if ("COMPLETED".equals(statusByJob.get(jobId))) {
                    missingObjects += missingOrAltered(JSON.readTree(outputsByJob.get(jobId)));
                }
            }
            TABLE.add(String.format("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d s |", description,
                    goodJobs.size() + expectedRejections, completed, failed, rejectionIds.size(), lost, paidNotDelivered,
                    duplicateSubmissions, duplicateEvents, missingObjects, wall.toSeconds()));
            PackagedWorkerRig.assertNoSecretsIn(log);
            assertThat(lost).as("lost jobs").isZero();
            assertThat(paidNotDelivered).as("finished tasks not delivered to their own job").isZero();
            assertThat(duplicateSubmissions).as("tasks created twice").isZero();
            assertThat(duplicateEvents).as("jobs with two outcome events").isZero();
            assertThat(missingObjects).as("outputs missing from S3 or not matching their sha256").isZero();
            assertThat(rejectionIds).hasSize(expectedRejections);
        }

        private long missingOrAltered(JsonNode outputs) {
            long missing = 0;
            for (JsonNode output : outputs) {
                try {
                    byte[] bytes = rig.s3.get(output.path("bucket").asText(), output.path("key").asText());
                    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
                    missing += sha256.equals(output.path("sha256").asText()) ? 0 : 1;
                } catch (Exception notThere) {
                    missing++;
                }
            }
            return missing;
        }

        @Override
        public void close() throws Exception {
            for (WorkerProcess worker : workers) {
                worker.kill();
            }
            try (PackagedWorkerRig closingRig = rig) {
                if (role != null) {
                    role.close();
                }
            }
        }
    }
}
