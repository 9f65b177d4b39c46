package io.enhance.worker.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import io.enhance.worker.cli.SubmitArguments.S3Prefix;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** Finds a batch's images, sorted by path: in a folder (recursively) or under an S3 prefix. */
public final class InputImages {

    static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff");

    private InputImages() {
    }

    /** Where a batch's uploads go: {@code inputs/<batch>/<relative path>} in the worker's bucket. */
    public static String uploadKey(String batch, String relativePath) {
        return "inputs/" + batch + "/" + relativePath;
    }

    /** The images in {@code folder} and below, to upload to {@code bucket}. */
    public static List<InputImage> inFolder(Path folder, String bucket, String batch) throws IOException {
        List<InputImage> images = new ArrayList<>();
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)
                    .filter(file -> isImage(file.getFileName().toString()))::iterator) {
                String relative = relativePath(folder.relativize(file));
                images.add(new InputImage(relative, bucket, uploadKey(batch, relative), Files.size(file),
                        Optional.of(new InputImage.Upload(() -> RequestBody.fromFile(file), Sha256.of(file)))));
            }
        }
        images.sort(Comparator.comparing(InputImage::relativePath));
        return images;
    }

    /** The images under {@code prefix}, listed page by page; nothing to upload. */
    public static List<InputImage> inS3(S3Client s3, S3Prefix prefix) {
        List<InputImage> images = new ArrayList<>();
        for (S3Object object : s3.listObjectsV2Paginator(list -> list.bucket(prefix.bucket()).prefix(prefix.prefix())).contents()) {
            String relative = object.key().substring(prefix.prefix().length()).replaceFirst("^/+", "");
            if (!relative.isEmpty() && !relative.endsWith("/") && isImage(relative.substring(relative.lastIndexOf('/') + 1))) {
                images.add(new InputImage(relative, prefix.bucket(), object.key(), object.size(), Optional.empty()));
            }
        }
        images.sort(Comparator.comparing(InputImage::relativePath));
        return images;
    }

    private static boolean isImage(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Segments joined with '/', whatever the platform's separator. */
    private static String relativePath(Path relative) {
        List<String> segments = new ArrayList<>();
        relative.forEach(segment -> segments.add(segment.toString()));
        return String.join("/", segments);
    }
}
