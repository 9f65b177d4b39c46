package io.enhance.worker;

import java.util.Arrays;

import io.enhance.worker.cli.CommandLine;
import io.enhance.worker.cli.DemoCommand;
import io.enhance.worker.cli.StatusCommand;
import io.enhance.worker.cli.SubmitArguments;
import io.enhance.worker.cli.SubmitCommand;
import io.enhance.worker.cli.UsageException;
import io.enhance.worker.emulator.EmulatorMain;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * One jar, five commands: {@code worker} (the default) serves the queue; {@code submit} sends a folder
 * or S3 prefix of images as a batch and follows it (with a worker in the same process unless
 * {@code --no-worker}); {@code status} shows a batch once; {@code demo} runs the bundled sample batch
 * on the embedded emulator and S3 store; {@code emulator} runs only the WaveSpeed emulator, without a
 * database or broker.
 */
@QuarkusMain
public class EnhanceWorkerMain {

    private static final String USAGE = "Commands: worker (default), submit <folder | s3://bucket/prefix> --batch NAME"
            + " [--prompt TEXT] [--param key=value ...] [--priority N] [--timeout DURATION] [--no-worker],"
            + " status NAME, demo [--keep-running], emulator";

    public static void main(String... args) throws Exception {
        String command = args.length == 0 ? "worker" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (command) {
                case "worker" -> Quarkus.run(rest);
                case "submit" -> {
                    // checked before starting anything, so that bad input costs no start-up
                    boolean noWorker = SubmitArguments.parse(rest).noWorker();
                    profiles("prod", noWorker ? "cli,client" : "cli");
                    Quarkus.run(SubmitCommand.class, rest);
                }
                case "status" -> {
                    CommandLine.statusBatch(rest);
                    profiles("prod", "cli,client");
                    Quarkus.run(StatusCommand.class, rest);
                }
                case "demo" -> {
                    profiles("local", "cli");
                    Quarkus.run(DemoCommand.class, rest);
                }
                case "emulator" -> EmulatorMain.main(rest);
                default -> {
                    System.err.println("Unknown command '" + command + "'. " + USAGE);
                    System.exit(CommandLine.USAGE_ERROR);
                }
            }
        } catch (UsageException e) {
            System.exit(CommandLine.usageError(e));
        }
    }

    /**
     * Runs with the profile the user chose ({@code QUARKUS_PROFILE}, {@code -Dquarkus.profile}) or
     * {@code fallback}, plus {@code added}: {@code cli} (quiet console) and {@code client} (no stages,
     * intake or HTTP server).
     */
    private static void profiles(String fallback, String added) {
        String chosen = System.getProperty("quarkus.profile", System.getenv("QUARKUS_PROFILE"));
        System.setProperty("quarkus.profile", (chosen == null || chosen.isBlank() ? fallback : chosen) + "," + added);
    }
}
