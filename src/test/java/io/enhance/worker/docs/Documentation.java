package io.enhance.worker.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The project's Markdown documentation: README.md and the guides under src/docs/. */
final class Documentation {

    static final Path README = Path.of("README.md");
    static final Path GUIDES = Path.of("src", "docs");

    private Documentation() {
    }

    /** README.md first, then every guide in name order. */
    static List<Path> files() {
        List<Path> files = new ArrayList<>(List.of(README));
        try (Stream<Path> guides = Files.list(GUIDES)) {
            guides.filter(path -> path.toString().endsWith(".md")).sorted().forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** 1-based line of a character offset, for messages that point into a file. */
    static long lineOf(String text, int offset) {
        return text.substring(0, offset).chars().filter(c -> c == '\n').count() + 1;
    }
}
