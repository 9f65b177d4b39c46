package io.enhance.worker.dashboard;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.emulator.ReceivedSubmission;
import io.enhance.worker.testing.NodeScripts;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.WorkerProcess;

/**
 * The dashboard in a real browser (Debian's Chromium driven by npm {@code playwright-core}, pinned) against
 * the packaged worker: an operator signs in, watches a batch's progress move, retries a failed job with a
 * click (through the CSRF token the page hands its script) and sees it complete, assigns an undecided job
 * (two look-alike sources whose submits went unanswered) the task it picks beside the job's source, opens a before/after pair
 * with both images loaded, and signs out, after which the old cookie opens nothing. The screenshot it
 * takes replaces {@code src/docs/dashboard.png} with {@code -Ddashboard.screenshot.update=true}.
 */
class DashboardBrowserIT {

    private static final String PLAYWRIGHT = "playwright-core@1.65.1";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final String TOKEN = "dashboard-it-token-5d1c";
    private static final String BATCH = "catalogue-2025";
    private static final int BATCH_JOBS = 24;
    private static final String FAILED_JOB = "retry/me:1";
    private static final String PAID_JOB = "pay/again";
    /** Its source never comes: it stays in the failed list, for the screenshot. */
    private static final String LOST_JOB = "lost/photo";
    /** Two look-alike sources whose submits went unanswered: settlement cannot tell their tasks apart. */
    private static final List<String> LOOK_ALIKES = List.of("look-alike/1", "look-alike/2");
    /** Still under way when the screenshot is taken, for the README's picture. */
    private static final String LONG_BATCH = "spring-shoot";
    private static final int LONG_BATCH_JOBS = 60;

    @Test
    void anOperatorWatchesABatchRetriesAFailedJobAndComparesBeforeAndAfterInChromium() throws Exception {
        assertThat(CHROMIUM).as("Chromium is needed: apt-get install -y chromium").isExecutable();
        Path work = Files.createDirectories(Path.of("target/dashboard-browser"));
        NodeScripts.run(work, List.of("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", PLAYWRIGHT), Map.of(), 300);
        Files.copy(Path.of("src/test/js/dashboard-check.mjs"), work.resolve("dashboard-check.mjs"),
                StandardCopyOption.REPLACE_EXISTING);

        // slow enough inference and few slots, so that the batch is still under way while the browser watches
        try (PackagedWorkerRig rig = new PackagedWorkerRig("dashboard_it",
                new EmulatorSettings().setMinLatencyMs(1500).setMaxLatencyMs(2500))) {
            Map<String, String> environment = rig.environment();
            environment.put("API_TOKEN", TOKEN);
            environment.put("WAVESPEED_MAX_IN_FLIGHT", "3");
            // the worker reads each source itself, so a missing one fails before any submission
            environment.put("WAVESPEED_UPLOAD_SOURCES", "true");
            File log = new File("target/dashboard-browser-it.log");
            Files.deleteIfExists(log.toPath());
            // settle soon: the emulator lists a task the moment it is created
            environment.put("WAVESPEED_HISTORY_MARGIN", "2s");
            environment.put("WAVESPEED_HISTORY_LAG", "2s");
            try (WorkerProcess worker = rig.startWorker(environment, log)) {
                // the same composition in two tints, both tasks created and neither answered
                rig.emulator.settings().scriptSubmits("created+drop", "created+drop");
                for (int tint = 0; tint < LOOK_ALIKES.size(); tint++) {
                    String name = LOOK_ALIKES.get(tint);
                    rig.broker.publish(rig.requests, job(name, rig.s3.putSource(name + ".png", TestImages.card(24, 24, tint + 1))).bytes());
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> rig.countJobs("job_id like 'look-alike/%' and status = 'FAILED'"
                        + " and error_code = 'submission_outcome_unknown'") == LOOK_ALIKES.size());
                String undecided = LOOK_ALIKES.get(0);
                String ownTask = tasksOf(rig, undecided).get(0).predictionId();

                // its source is not there yet: it fails source_unavailable without paying, so a retry is free
                rig.broker.publish(rig.requests, job(FAILED_JOB, "s3://sources/retry-me.png").bytes());
                rig.broker.publish(rig.requests, job(LOST_JOB, "s3://sources/lost.png").bytes());
                // not an image: WaveSpeed takes it, and the failure may have been paid for
                rig.broker.publish(rig.requests, job(PAID_JOB, rig.s3.putSource("pay-again.png", new byte[] {1, 2, 3})).bytes());
                await().atMost(Duration.ofSeconds(30)).until(() -> rig.countJobs(
                        "job_id = '" + FAILED_JOB + "' and status = 'FAILED' and error_code = 'source_unavailable'") == 1
                        && rig.countJobs("job_id in ('" + PAID_JOB + "', '" + LOST_JOB + "') and status = 'FAILED'") == 2);
                rig.s3.putSource("retry-me.png", TestImages.card(40, 30, 7));
                rig.s3.putSource("pay-again.png", TestImages.card(30, 40, 8));

                publishBatch(rig, BATCH, BATCH_JOBS);
                publishBatch(rig, LONG_BATCH, LONG_BATCH_JOBS);
                Path screenshot = Path.of("target/dashboard.png").toAbsolutePath();
                Files.deleteIfExists(screenshot);
                Map<String, JsonNode> checks = NodeScripts.checks(NodeScripts.run(work, List.of("node", "dashboard-check.mjs"), Map.of(
                        "BASE_URL", "http://127.0.0.1:" + worker.httpPort(), "API_TOKEN", TOKEN, "BATCH_ID", BATCH, "LONG_BATCH_ID", LONG_BATCH,
                        "FAILED_JOB_ID", FAILED_JOB, "PAID_JOB_ID", PAID_JOB, "UNDECIDED_JOB_ID", undecided, "ASSIGNED_TASK", ownTask,
                        "SCREENSHOT", screenshot.toString()), 120));

                assertThat(checks).doesNotContainKey("page-error");
                assertThat(checks.get("login-redirect").path("url").asText()).endsWith("/dashboard/login");
                assertThat(checks.get("page").path("account").asText()).isEqualTo("Account accepted");
                JsonNode progress = checks.get("batch-progress");
                assertThat(progress.path("after").asInt()).isGreaterThan(progress.path("before").asInt());
                assertThat(progress.path("total").asInt()).isEqualTo(BATCH_JOBS);
                assertThat(checks.get("retry").path("error_code").asText()).isEqualTo("source_unavailable");
                JsonNode assigned = checks.get("assign");
                assertThat(assigned.path("candidates")).extracting(JsonNode::asText).containsExactlyInAnyOrder(ownTask,
                        tasksOf(rig, LOOK_ALIKES.get(1)).get(0).predictionId());
                assertThat(assigned.path("source_width").asInt()).isEqualTo(24);
                assertThat(assigned.path("candidate_width").asInt()).isPositive();
                await().atMost(Duration.ofSeconds(30)).until(() -> rig.countJobs("job_id = '" + undecided
                        + "' and status = 'COMPLETED' and prediction_id = '" + ownTask + "'") == 1);
                assertThat(tasksOf(rig, undecided)).as("assigning pays nothing again").hasSize(1);
                assertThat(checks.get("before-after").path("before_width").asInt()).isEqualTo(40);
                assertThat(checks.get("before-after").path("after_width").asInt()).isPositive();
                assertThat(checks.get("pay-again").path("refusal").asText()).contains("pay again");
                assertThat(checks.get("post-without-csrf").path("status").asInt()).isEqualTo(403);
                assertThat(checks.get("post-without-csrf").path("error").asText()).contains("X-CSRF-Token");
                assertThat(checks.get("sign-out").path("cookies")).extracting(JsonNode::asText).containsExactly("enhance_session");
                assertThat(checks.get("sign-out").path("status").asInt()).isEqualTo(401);
                assertThat(checks.get("cancel").path("message").asText()).startsWith("Batch " + LONG_BATCH + ": cancelled: ");
                for (String retried : List.of(FAILED_JOB, PAID_JOB)) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> rig.countJobs(
                            "job_id = '" + retried + "' and status = 'COMPLETED' and retries = 1") == 1);
                }
                // the free retry's first try sent nothing; the paid one's did
                assertThat(rig.emulator.submissions().stream().map(sent -> sent.body().path("prompt").asText())
                        .filter(prompt -> prompt.equals("enhance " + FAILED_JOB) || prompt.equals("enhance " + PAID_JOB)))
                        .containsExactlyInAnyOrder("enhance " + FAILED_JOB, "enhance " + PAID_JOB, "enhance " + PAID_JOB);
                assertThat(rig.countJobs("job_id = '" + LOST_JOB + "' and status = 'FAILED'")).isEqualTo(1);
                assertThat(screenshot).isNotEmptyFile();
                if (Boolean.getBoolean("dashboard.screenshot.update")) {
                    Files.copy(screenshot, Path.of("src/docs/dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            PackagedWorkerRig.assertNoSecretsIn(log);
            assertThat(Files.readString(log.toPath())).doesNotContain(TOKEN);
        }
    }

    private static List<ReceivedSubmission> tasksOf(PackagedWorkerRig rig, String jobId) {
        return rig.emulator.submissions().stream().filter(sent -> sent.body().path("prompt").asText().equals("enhance " + jobId))
                .toList();
    }

    private static void publishBatch(PackagedWorkerRig rig, String batch, int jobs) {
        for (int i = 0; i < jobs; i++) {
            String source = rig.s3.putSource(batch + "/" + i + ".png", TestImages.card(32, 32, i));
            rig.broker.publish(rig.requests, job(batch + "/" + i, source).batch(batch).field("batch_size", jobs).bytes());
        }
    }
}
