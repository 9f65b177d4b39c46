package io.enhance.worker.cli;

import java.util.Optional;

import io.enhance.worker.batches.BatchManifest;

/** What the command-line commands share: the status arguments and how a usage error is reported. */
public final class CommandLine {

    /** The exit code of bad input: nothing was sent. */
    public static final int USAGE_ERROR = 2;

    private CommandLine() {
    }

    /**
     * {@code status NAME [--format csv|jsonl]}: the batch, and the manifest's format when one is asked for.
     *
     * @param format the manifest to write instead of the summary, if any
     */
    public record StatusArguments(String batch, Optional<BatchManifest.Format> format) {
    }

    public static StatusArguments statusArguments(String... args) throws UsageException {
        if (args.length != 1 && !(args.length == 3 && args[1].equals("--format"))) {
            throw new UsageException("status takes one batch name, and optionally --format csv|jsonl");
        }
        String batch = batchName(args[0]);
        Optional<BatchManifest.Format> format = Optional.empty();
        if (args.length == 3) {
            format = Optional.of(BatchManifest.Format.named(args[2]).filter(named -> !args[2].contains("/"))
                    .orElseThrow(() -> new UsageException("--format '" + args[2] + "': must be csv or jsonl")));
        }
        return new StatusArguments(batch, format);
    }

    /** {@code approve NAME}, {@code reject NAME} or {@code cancel NAME}: the one batch name. */
    public static String decisionBatch(String command, String... args) throws UsageException {
        if (args.length != 1) {
            throw new UsageException(command + " takes one batch name");
        }
        return batchName(args[0]);
    }

    private static String batchName(String name) throws UsageException {
        Optional<String> problem = JobIds.problemWithBatchName(name);
        if (problem.isPresent()) {
            throw new UsageException(problem.get().replace("--batch", "NAME"));
        }
        return name;
    }

    public static int usageError(UsageException e) {
        System.err.println(e.getMessage());
        System.err.println(SubmitArguments.USAGE);
        return USAGE_ERROR;
    }
}
