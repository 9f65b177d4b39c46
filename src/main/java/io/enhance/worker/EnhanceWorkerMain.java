package io.enhance.worker;

import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.Optional;

import io.enhance.worker.cli.BatchDecisionCommand;
import io.enhance.worker.cli.CommandLine;
import io.enhance.worker.cli.StatusCommand;
import io.enhance.worker.cli.SubmitArguments;
import io.enhance.worker.cli.SubmitCommand;
import io.enhance.worker.cli.UsageException;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * One jar, six commands: {@code worker} (the default) serves the queue; {@code submit} sends a folder
 * or S3 prefix of images as a batch and follows it (with a worker in the same process unless
 * {@code --no-worker}); {@code status} shows a batch once; {@code approve} and {@code reject} decide on a
 * batch's canary, and {@code cancel} cancels a batch. The development build (src/dev/java) adds two:
 * {@code demo} runs the bundled sample batch on the embedded emulator and S3 store; {@code emulator} runs
 * only the WaveSpeed emulator, without a database or broker. Those two are found by class name, because
 * the production package leaves them out.
 */
@QuarkusMain
public class EnhanceWorkerMain {

    private static final String USAGE = "Commands: worker (default), submit <folder | s3://bucket/prefix> --batch NAME"
            + " [--prompt TEXT] [--param key=value ...] [--seed N] [--priority N] [--canary N] [--timeout DURATION]"
            + " [--no-worker] [--no-wait] [--dry-run] [--max-cost USD], status NAME [--format csv|jsonl],"
            + " approve NAME, reject NAME, cancel NAME";
    private static final String DEVELOPMENT_USAGE = ", demo [--keep-running], emulator";
    private static final String DEMO_COMMAND = "io.enhance.worker.cli.DemoCommand";
    private static final String EMULATOR_MAIN = "io.enhance.worker.emulator.EmulatorMain";

    public static void main(String... args) throws Exception {
        String command = args.length == 0 ? "worker" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (command) {
                case "worker" -> Quarkus.run(rest);
                case "submit" -> {
                    // checked before starting anything, so that bad input costs no start-up
                    SubmitArguments arguments = SubmitArguments.parse(rest);
                    // a dry run does no job, so it needs no worker either
                    profiles("prod", arguments.noWorker() || arguments.dryRun() ? "cli,client" : "cli");
                    Quarkus.run(SubmitCommand.class, rest);
                }
                case "status" -> {
                    CommandLine.statusArguments(rest);
                    profiles("prod", "cli,client");
                    Quarkus.run(StatusCommand.class, rest);
                }
                case "approve", "reject", "cancel" -> {
                    String batch = CommandLine.decisionBatch(command, rest);
                    profiles("prod", "cli,client");
                    Quarkus.run(BatchDecisionCommand.class, command, batch);
                }
                case "demo" -> {
                    Class<? extends QuarkusApplication> demo = developmentClass(command, DEMO_COMMAND)
                            .asSubclass(QuarkusApplication.class);
                    profiles("local", "cli");
                    Quarkus.run(demo, rest);
                }
                case "emulator" -> runMain(developmentClass(command, EMULATOR_MAIN), rest);
                default -> exitWithUsage("Unknown command '" + command + "'. ");
            }
        } catch (UsageException e) {
            System.exit(CommandLine.usageError(e));
        }
    }

    /** A class of the development build; in the production package, which leaves it out, says so and exits. */
    private static Class<?> developmentClass(String command, String className) {
        return loadable(className).orElseThrow(() -> exitWithUsage("'" + command
                + "' is a command of the development build (./mvnw package); this production package leaves it out. "));
    }

    private static Optional<Class<?>> loadable(String className) {
        try {
            return Optional.of(Class.forName(className));
        } catch (ClassNotFoundException productionPackage) {
            return Optional.empty();
        }
    }

    private static void runMain(Class<?> program, String[] args) throws Exception {
        try {
            program.getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** Prints {@code problem} and the commands this package has, and exits as for bad input. */
    private static IllegalStateException exitWithUsage(String problem) {
        System.err.println(problem + USAGE + (loadable(EMULATOR_MAIN).isPresent() ? DEVELOPMENT_USAGE : ""));
        System.exit(CommandLine.USAGE_ERROR);
        // never reached: returned so that a caller can end where the compiler wants a value (orElseThrow)
        return new IllegalStateException("exited");
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
