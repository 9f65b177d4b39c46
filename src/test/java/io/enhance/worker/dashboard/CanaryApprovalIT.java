package io.enhance.worker.dashboard;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.testing.NodeScripts;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TestBroker.ReceivedEvent;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.WorkerProcess;

/**
 * A batch of 100 with {@code canary: 5} against the packaged worker: exactly five are paid before
 * approval, as the emulator's ledger of submit POSTs shows, batch.awaiting_approval tells their outcomes
 * and cost, and a real click on Approve in the dashboard (Chromium, playwright-core) releases the other 95,
 * which then complete, each paid once.
 */
class CanaryApprovalIT {

    private static final String PLAYWRIGHT = "playwright-core@1.65.1";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final String TOKEN = "canary-it-token-8e31";
    private static final String BATCH = "catalogue-canary";
    private static final int JOBS = 100;
    private static final int CANARY = 5;

    @Test
    void aBatchOfAHundredWithACanaryOfFivePaysFiveUntilApprovedInChromiumThenCompletesTheOtherNinetyFive()
            throws Exception {
        assertThat(CHROMIUM).as("Chromium is needed: apt-get install -y chromium").isExecutable();
        Path work = Path.of("target/canary-browser");
        NodeScripts.prepare(work, PLAYWRIGHT, Path.of("src/test/js/canary-check.mjs"));

        try (PackagedWorkerRig rig = new PackagedWorkerRig("canary_it",
                new EmulatorSettings().setMinLatencyMs(200).setMaxLatencyMs(400))) {
            Map<String, String> environment = rig.environment();
            environment.put("API_TOKEN", TOKEN);
            File log = new File("target/canary-approval-it.log");
            Files.deleteIfExists(log.toPath());
            try (WorkerProcess worker = rig.startWorker(environment, log)) {
                rig.broker.publishAll(rig.requests, IntStream.range(0, JOBS).mapToObj(i -> job(BATCH + "/" + i,
                        rig.s3.putSource(BATCH + "/" + i + ".png", TestImages.card(32, 32, i))).batch(BATCH)
                        .field("batch_size", JOBS).field("canary", CANARY).bytes()).toList());

                await().atMost(Duration.ofSeconds(60)).until(() -> awaitingApproval(rig).size() == 1);
                assertThat(rig.countJobs("status = 'COMPLETED' and canary")).isEqualTo(CANARY);
                assertThat(rig.countJobs("status = 'AWAITING_APPROVAL'")).isEqualTo(JOBS - CANARY);
                // no more than the canary is paid while the batch waits
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> paid(rig) == CANARY);
                JsonNode data = awaitingApproval(rig).get(0).data();
                assertThat(data.path("jobs")).hasSize(CANARY)
                        .allSatisfy(canaryJob -> assertThat(canaryJob.path("status").asText()).isEqualTo("completed"));
                assertThat(data.path("cost_usd").decimalValue()).isEqualByComparingTo("0.125");
                assertThat(data.path("awaiting_approval").asInt()).isEqualTo(JOBS - CANARY);

                Path screenshot = Path.of("target/canary-approval.png").toAbsolutePath();
                Map<String, JsonNode> checks = NodeScripts.checks(NodeScripts.run(work, List.of("node", "canary-check.mjs"),
                        Map.of("BASE_URL", "http://127.0.0.1:" + worker.httpPort(), "API_TOKEN", TOKEN, "BATCH_ID", BATCH,
                                "SCREENSHOT", screenshot.toString()), 120));

                assertThat(checks).doesNotContainKey("page-error");
                JsonNode canary = checks.get("canary");
                assertThat(canary.path("pairs")).hasSize(CANARY);
                assertThat(canary.path("images").asInt()).as("a before and an after per job").isEqualTo(2 * CANARY);
                assertThat(canary.path("waiting").asInt()).isEqualTo(JOBS - CANARY);
                assertThat(canary.path("state").asText()).isEqualTo("awaiting_approval");
                assertThat(checks.get("approved").path("state").asText()).isIn("running", "completed");

                await().atMost(Duration.ofSeconds(120)).until(() -> rig.countJobs("status = 'COMPLETED'") == JOBS);
                assertThat(paid(rig)).as("each job paid once").isEqualTo(JOBS);
                assertThat(rig.emulator.submissions().stream().map(sent -> sent.body().path("prompt").asText()).distinct())
                        .hasSize(JOBS);
                assertThat(rig.broker.events().stream().filter(event -> "batch.approved".equals(event.routingKey())))
                        .hasSize(1);
            }
            PackagedWorkerRig.assertNoSecretsIn(log);
        }
    }

    private static long paid(PackagedWorkerRig rig) {
        return rig.emulator.submissions().stream().filter(sent -> sent.body().path("prompt").asText()
                .startsWith("enhance " + BATCH + "/")).count();
    }

    private static List<ReceivedEvent> awaitingApproval(PackagedWorkerRig rig) {
        return rig.broker.events().stream().filter(event -> "batch.awaiting_approval".equals(event.routingKey())).toList();
    }
}
