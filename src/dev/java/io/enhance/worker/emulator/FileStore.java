package io.enhance.worker.emulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Output images and uploaded media live on disk, in one temporary folder removed on close. */
final class FileStore implements AutoCloseable {

    private final Path root;
    private final Path outputs;
    private final Path media;

    FileStore() {
        try {
            root = Files.createTempDirectory("wavespeed-emulator-");
            outputs = Files.createDirectory(root.resolve("outputs"));
            media = Files.createDirectory(root.resolve("media"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the emulator's temporary folder", e);
        }
    }

    /** Callers pass only validated names (hex ids, sanitised file names), so nothing escapes the root. */
    Path output(String predictionId, String fileName) {
        return outputs.resolve(predictionId).resolve(fileName);
    }

    Path media(String key, String fileName) {
        return media.resolve(key).resolve(fileName);
    }

    Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".part");
        Files.write(partial, bytes);
        return Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    void deleteOutputs(String predictionId) {
        deleteTree(outputs.resolve(predictionId));
    }

    @Override
    public void close() {
        deleteTree(root);
    }

    private static void deleteTree(Path top) {
        if (!Files.exists(top)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(top)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a file still being written when the emulator stops may survive in the temp folder
        }
    }
}
