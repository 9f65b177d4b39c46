package io.enhance.worker.cli;

import java.util.Optional;

/** What the command-line commands share: the status arguments and how a usage error is reported. */
public final class CommandLine {

    /** The exit code of bad input: nothing was sent. */
    public static final int USAGE_ERROR = 2;

    private CommandLine() {
    }

    /** {@code status NAME}: the one batch name. */
    public static String statusBatch(String... args) throws UsageException {
        return batchName("status", args);
    }

    /** {@code approve NAME} or {@code reject NAME}: the one batch name. */
    public static String decisionBatch(String command, String... args) throws UsageException {
        return batchName(command, args);
    }

    private static String batchName(String command, String... args) throws UsageException {
        if (args.length != 1) {
            throw new UsageException(command + " takes one batch name");
        }
        Optional<String> problem = JobIds.problemWithBatchName(args[0]);
        if (problem.isPresent()) {
            throw new UsageException(problem.get().replace("--batch", "NAME"));
        }
        return args[0];
    }

    public static int usageError(UsageException e) {
        System.err.println(e.getMessage());
        System.err.println(SubmitArguments.USAGE);
        return USAGE_ERROR;
    }
}
