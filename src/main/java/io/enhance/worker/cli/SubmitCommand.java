package io.enhance.worker.cli;

import java.io.IOException;
import java.util.List;

import jakarta.inject.Inject;

import io.enhance.worker.config.S3Config;
import io.quarkus.runtime.QuarkusApplication;
import software.amazon.awssdk.services.s3.S3Client;

/** {@code submit}: sends a folder or S3 prefix of images as one batch and follows it to its end ({@link SubmitArguments}). */
public class SubmitCommand implements QuarkusApplication {

    @Inject
    BatchRunner runner;
    @Inject
    S3Client s3Client;
    @Inject
    S3Config s3;
    @Inject
    CostPreview preview;

    /** The exit code of a batch whose preview costs more than {@code --max-cost}: nothing was sent. */
    static final int OVER_MAX_COST = 5;

    @Override
    public int run(String... args) throws Exception {
        SubmitArguments arguments;
        List<InputImage> images;
        try {
            arguments = SubmitArguments.parse(args);
            images = images(arguments);
        } catch (UsageException e) {
            return CommandLine.usageError(e);
        }
        if (arguments.dryRun() || arguments.maxCost().isPresent()) {
            CostPreview.Figures figures = preview.of(arguments, images);
            preview.print(figures, System.out);
            if (arguments.dryRun()) {
                System.out.println("Dry run: nothing was uploaded or published.");
                return 0;
            }
            if (figures.costUsd().compareTo(arguments.maxCost().get()) > 0) {
                System.err.printf("Not sent: batch %s would cost $%s, more than --max-cost $%s; nothing was uploaded or "
                        + "published.%n", arguments.batch(), figures.costUsd().toPlainString(),
                        arguments.maxCost().get().toPlainString());
                return OVER_MAX_COST;
            }
        }
        if (arguments.noWorker()) {
            System.out.println("--no-worker: this process only sends and watches; the running workers do the jobs.");
        }
        try {
            return runner.run(arguments.batch(), images, new BatchRunner.Work(arguments.prompt(), arguments.parameters(),
                    arguments.priority(), "submit", arguments.canary()), arguments.timeout(), !arguments.noWait(),
                    System.out).exitCode;
        } catch (RuntimeException | IOException e) {
            System.err.println("submit failed: " + e.getMessage());
            return 1;
        }
    }

    private List<InputImage> images(SubmitArguments arguments) throws UsageException {
        List<InputImage> images;
        String where;
        if (arguments.s3Prefix().isPresent()) {
            images = InputImages.inS3(s3Client, arguments.s3Prefix().get());
            where = arguments.s3Prefix().get().toString();
        } else {
            String bucket = s3.bucket().orElseThrow(() -> new UsageException(
                    "S3_BUCKET is not set: the worker's bucket, which the images are uploaded to"));
            try {
                images = InputImages.inFolder(arguments.folder().orElseThrow(), bucket, arguments.batch());
            } catch (IOException e) {
                throw new UsageException("cannot read " + arguments.folder().get() + ": " + e.getMessage());
            }
            where = arguments.folder().get().toString();
        }
        if (images.isEmpty()) {
            throw new UsageException("no images (" + String.join(", ", InputImages.EXTENSIONS.stream().sorted().toList())
                    + ") in " + where);
        }
        return images;
    }
}
