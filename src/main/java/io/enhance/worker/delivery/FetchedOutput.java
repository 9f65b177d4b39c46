package io.enhance.worker.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One output image downloaded (or decoded) into a temporary file and checked; close deletes the file. */
record FetchedOutput(Path file, ImageType type, long size, String sha256, int width, int height)
        implements AutoCloseable {

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(file);
    }
}
