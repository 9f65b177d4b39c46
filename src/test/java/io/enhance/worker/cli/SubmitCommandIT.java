package io.enhance.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.enhance.worker.batches.BatchManifest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.WorkerProcess;

/** {@code submit} and {@code status} on the packaged jar, with the worker in the same process. */
class SubmitCommandIT {

    private static final Duration RUN_LIMIT = Duration.ofMinutes(2);

    @TempDir
    Path folder;

    @Test
    void aFolderRunsToTheEndAndRunningItAgainResumesWithoutPayingTwiceButEnhancesAnEditedImageAgain() throws Exception {
        Files.write(folder.resolve("a.png"), TestImages.card(64, 48, 1));
        Files.createDirectories(folder.resolve("sub dir"));
        Files.write(folder.resolve("sub dir/b c.png"), TestImages.card(64, 48, 2));
        Files.write(folder.resolve("sub dir/d.jpeg.PNG"), TestImages.card(64, 48, 3));
        Files.writeString(folder.resolve("notes.txt"), "not an image");
        try (PackagedWorkerRig rig = new PackagedWorkerRig("submit_cli", new EmulatorSettings())) {
            Map<String, String> env = rig.environment();

            Run first = run(env, "submit-first", "submit", folder.toString(), "--batch", "cards");
            assertThat(first.exitCode()).as(first.output()).isZero();
            assertThat(first.output()).contains("Uploaded 3 images", "Published 3 jobs of batch cards",
                    "Batch cards: 3 of 3 ended").containsPattern("completed +3");
            assertThat(first.output()).as("the console shows warnings: a healthy run has none").doesNotContain(" WARN ");
            assertThat(rig.emulator.submissions()).hasSize(3);
            assertThat(rig.countJobs("batch_id = 'cards' and status = 'COMPLETED'")).isEqualTo(3);
            assertThat(rig.countJobs("job_id = 'cards/a.png'")).isEqualTo(1);
            assertThat(rig.countJobs("job_id like 'cards/sha256-%-b_c.png' or job_id like 'cards/sha256-%-d.jpeg.PNG'"))
                    .as("paths with a space get hashed ids").isEqualTo(2);

            Run again = run(env, "submit-again", "submit", folder.toString(), "--batch", "cards");
            assertThat(again.exitCode()).as(again.output()).isZero();
            assertThat(again.output()).contains("Uploaded 0 images", "(3 already there)", "Batch cards: 3 of 3 ended")
                    .containsPattern("completed +3");
            assertThat(rig.emulator.submissions()).as("no image paid for twice").hasSize(3);
            assertThat(rig.countJobs("batch_id = 'cards'")).isEqualTo(3);

            // an edit that keeps the file's size: a new request, so a job of its own, named by its content
            byte[] edited = TestImages.editedKeepingItsSize(Files.readAllBytes(folder.resolve("a.png")));
            Files.write(folder.resolve("a.png"), edited);
            Run afterEdit = run(env, "submit-edited", "submit", folder.toString(), "--batch", "cards");
            assertThat(afterEdit.exitCode()).as(afterEdit.output()).isZero();
            assertThat(afterEdit.output()).contains("Uploaded 1 images", "(2 already there, 1 edited since)",
                    "Batch cards: 4 of 4 ended").containsPattern("completed +4");
            assertThat(rig.emulator.submissions()).as("only the edited image is paid for again").hasSize(4);
            assertThat(rig.countJobs("job_id = 'cards/a.png:" + TestImages.sha256(edited).substring(0, 12)
                    + "' and status = 'COMPLETED'")).isEqualTo(1);

            Run status = run(env, "status", "status", "cards");
            assertThat(status.exitCode()).as(status.output()).isZero();
            assertThat(status.output()).contains("Batch cards: 4 of 4 ended").containsPattern("completed +4")
                    .doesNotContain("Listening on");
            assertThat(run(env, "status-missing", "status", "no-such-batch").exitCode()).isEqualTo(3);

            // the outputs mirror the folder, with the output format's extension; the edited image's beside the first
            assertThat(rig.countJobs("batch_id = 'cards' and outputs->0->>'key' in ('cards/a.jpg', 'cards/sub dir/b c.jpg',"
                    + " 'cards/sub dir/d.jpeg.jpg', 'cards/a." + TestImages.sha256(edited).substring(0, 12) + ".jpg')"))
                    .as("outputs laid out like the inputs").isEqualTo(4);
            Run csv = run(env, "status-csv", "status", "cards", "--format", "csv");
            assertThat(csv.exitCode()).as(csv.output()).isZero();
            assertThat(csv.output().lines()).contains(String.join(",", BatchManifest.CSV_COLUMNS));
            assertThat(csv.output().lines().filter(line -> line.startsWith("cards/"))).hasSize(4)
                    .anyMatch(line -> line.contains(",COMPLETED,s3://enhanced/inputs/cards/sub")
                            && line.contains(",enhanced,cards/sub dir/b c.jpg,"));
            Run jsonl = run(env, "status-jsonl", "status", "cards", "--format", "jsonl");
            assertThat(jsonl.exitCode()).as(jsonl.output()).isZero();
            assertThat(jsonl.output().lines().filter(line -> line.startsWith("{\"job_id\":\"cards/"))).hasSize(4);
            // cancelling a batch that has ended changes none of its jobs
            Run cancel = run(env, "cancel-ended", "cancel", "cards");
            assertThat(cancel.exitCode()).as(cancel.output()).isZero();
            assertThat(cancel.output()).contains("Batch cards: cancelled: 0 job(s)");
            assertThat(rig.countJobs("batch_id = 'cards' and status = 'COMPLETED'")).as("ended jobs stay as they ended").isEqualTo(4);
            assertThat(run(env, "cancel-missing", "cancel", "no-such-batch").exitCode()).isEqualTo(3);
            PackagedWorkerRig.assertNoSecretsIn(new File("target/submit-cli-submit-first.log"));
        }
    }

    @Test
    void theSameFolderUnderASecondBatchNameWithAFixedSeedPaysNothingAndGetsByteIdenticalCopies() throws Exception {
        Files.write(folder.resolve("a.png"), TestImages.card(64, 48, 7));
        Files.write(folder.resolve("b.png"), TestImages.card(64, 48, 8));
        try (PackagedWorkerRig rig = new PackagedWorkerRig("submit_cli_reuse", new EmulatorSettings())) {
            Map<String, String> env = rig.environment();
            Run first = run(env, "reuse-first", "submit", folder.toString(), "--batch", "nightly", "--param", "seed=42");
            assertThat(first.exitCode()).as(first.output()).isZero();
            assertThat(rig.emulator.submissions()).hasSize(2);

            Run second = run(env, "reuse-second", "submit", folder.toString(), "--batch", "rerun", "--param", "seed=42");
            assertThat(second.exitCode()).as(second.output()).isZero();
            assertThat(second.output()).contains("Published 2 jobs of batch rerun").containsPattern("completed +2");
            assertThat(rig.emulator.submissions()).as("the ledger shows no new submit").hasSize(2);
            assertThat(rig.countJobs("batch_id = 'rerun' and spend_usd = 0 and cost_usd = 0 and reused_from like 'nightly/%'"))
                    .isEqualTo(2);
            ObjectMapper json = new ObjectMapper();
            for (Map<String, Object> row : rig.rows("select again.outputs::text as copy, earlier.outputs::text as original "
                    + "from jobs again join jobs earlier on earlier.job_id = again.reused_from where again.batch_id = 'rerun'")) {
                JsonNode copy = json.readTree((String) row.get("copy")).get(0);
                JsonNode original = json.readTree((String) row.get("original")).get(0);
                assertThat(copy.path("key").asText()).startsWith("rerun/").isNotEqualTo(original.path("key").asText());
                assertThat(rig.s3.get(copy.path("bucket").asText(), copy.path("key").asText()))
                        .isEqualTo(rig.s3.get(original.path("bucket").asText(), original.path("key").asText()));
            }

            Run preview = run(env, "reuse-preview", "submit", folder.toString(), "--batch", "preview", "--seed", "42",
                    "--dry-run");
            assertThat(preview.exitCode()).as(preview.output()).isZero();
            assertThat(preview.output()).contains("2 images: 2 would be served from completed jobs at no cost",
                    "Cost: 0 x $0.025 = $0", "Dry run: nothing was uploaded or published.");
            Run otherSeed = run(env, "reuse-preview-other-seed", "submit", folder.toString(), "--batch", "preview",
                    "--seed", "43", "--dry-run");
            assertThat(otherSeed.output()).contains("2 images: 0 would be served", "Cost: 2 x $0.025 = $0.050",
                    "Time on tier ultra (5000 images a minute, 10000 at once");
            Run capped = run(env, "reuse-capped", "submit", folder.toString(), "--batch", "capped", "--seed", "43",
                    "--max-cost", "0.04");
            assertThat(capped.exitCode()).as(capped.output()).isEqualTo(5);
            assertThat(capped.output()).contains("would cost $0.050, more than --max-cost $0.04; nothing was uploaded or published");
            assertThat(rig.broker.drain(rig.requests)).as("nothing published").isEmpty();
            assertThat(rig.countJobs("batch_id in ('preview', 'capped')")).isZero();
            assertThat(rig.s3.keys("enhanced", "inputs/capped/")).as("nothing uploaded").isEmpty();
            assertThat(rig.emulator.submissions()).hasSize(2);

            Map<String, String> reuseOff = new HashMap<>(env);
            reuseOff.put("PIPELINE_REUSE_ENABLED", "false");
            Run paid = run(reuseOff, "reuse-off", "submit", folder.toString(), "--batch", "paid", "--seed", "42");
            assertThat(paid.exitCode()).as(paid.output()).isZero();
            assertThat(rig.emulator.submissions()).as("with reuse off, every job pays").hasSize(4);
            assertThat(rig.countJobs("batch_id = 'paid' and reused_from is null and cost_usd > 0")).isEqualTo(2);
        }
    }

    @Test
    void aBatchWithARejectedImageExitsOneAndSaysWhy() throws Exception {
        Files.write(folder.resolve("only.png"), TestImages.card(64, 48, 4));
        try (PackagedWorkerRig rig = new PackagedWorkerRig("submit_cli_bad", new EmulatorSettings())) {
            Run bad = run(rig.environment(), "submit-bad", "submit", folder.toString(), "--batch", "bad",
                    "--param", "strength=5");
            assertThat(bad.exitCode()).as(bad.output()).isEqualTo(1);
            assertThat(bad.output()).contains("Batch bad: 1 of 1 ended", "input.strength", "bad/only.png")
                    .containsPattern("rejected +1");
            assertThat(rig.emulator.submissions()).isEmpty();
        }
    }

    @Test
    void withoutAWorkerItOnlySendsAndWatchesAndTimesOutSayingWhatIsLeft() throws Exception {
        Files.write(folder.resolve("one.png"), TestImages.card(64, 48, 5));
        Files.write(folder.resolve("two.png"), TestImages.card(64, 48, 6));
        try (PackagedWorkerRig rig = new PackagedWorkerRig("submit_cli_client", new EmulatorSettings())) {
            Map<String, String> env = rig.environment();
            // a worker declares the request queue once, then the fleet is gone
            rig.startWorker(env, new File("target/submit-cli-client-worker.log")).terminate();

            Run watched = run(env, "submit-no-worker", "submit", folder.toString(), "--batch", "idle", "--no-worker",
                    "--timeout", "8s");
            assertThat(watched.exitCode()).as(watched.output()).isEqualTo(3);
            assertThat(watched.output()).contains("Published 2 jobs of batch idle", "Timed out after 8s: 2 of 2 jobs have not ended");
            assertThat(rig.countJobs("batch_id = 'idle'")).as("the client consumed no request").isZero();
            assertThat(rig.emulator.submissions()).isEmpty();
        }
    }

    private record Run(int exitCode, String output) {
    }

    private static Run run(Map<String, String> env, String name, String... arguments)
            throws IOException, InterruptedException {
        File log = new File("target/submit-cli-" + name + ".log");
        int exitCode = WorkerProcess.runToExit(env, List.of(), log, RUN_LIMIT, arguments);
        return new Run(exitCode, Files.readString(log.toPath()));
    }
}
