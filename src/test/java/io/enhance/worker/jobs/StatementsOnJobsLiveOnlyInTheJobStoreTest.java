package io.enhance.worker.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Fails the build when a statement on {@code jobs} or {@code job_transitions}, or a Panache or
 * EntityManager query of {@link Job} or {@link JobTransition}, appears in the worker's or the development
 * kit's sources outside {@link JobStore}, naming the file and line.
 */
class StatementsOnJobsLiveOnlyInTheJobStoreTest {

    private static final Path MAIN_SOURCES = Path.of("src/main/java");
    private static final List<Path> SOURCES = List.of(MAIN_SOURCES, Path.of("src/dev/java"));
    private static final Path STORE = MAIN_SOURCES.resolve("io/enhance/worker/jobs/JobStore.java");

    /** SQL that reads or writes the tables: {@code from jobs}, {@code update job_transitions}, {@code join jobs j}... */
    private static final Pattern SQL = Pattern.compile(
            "(?i)\\b(from|into|update|join|table|using)\\s+(only\\s+)?(jobs|job_transitions)\\b(?![-/])");
    /** JPQL on the entities. */
    private static final Pattern JPQL = Pattern.compile("\\b(from|update|join|delete)\\s+(Job|JobTransition)\\b(?![#.])");
    /** Panache's static queries and writes, and the entity manager reached through them. */
    private static final Pattern PANACHE = Pattern.compile(
            "\\b(Job|JobTransition)\\s*\\.\\s*(<[^>]*>\\s*)?(find\\w*|list\\w*|count|update|delete\\w*|stream\\w*|persist\\w*"
                    + "|getEntityManager|getSession)\\s*\\(");
    /** The entity manager or a native query asked for the entities by class. */
    private static final Pattern BY_CLASS = Pattern.compile(
            "\\b(find|getReference|addEntity|createQuery|createNativeQuery|lock|refresh)\\s*\\([^;]*\\b(Job|JobTransition)\\.class");
    private static final List<Pattern> STATEMENTS = List.of(SQL, JPQL, PANACHE, BY_CLASS);

    @Test
    void noSourceButTheJobStoreHoldsAStatementOnJobsOrTheirTransitions() throws IOException {
        List<String> outside = new ArrayList<>();
        for (Path root : SOURCES) {
            try (Stream<Path> sources = Files.walk(root)) {
                for (Path source : sources.filter(path -> path.toString().endsWith(".java")).sorted().toList()) {
                    if (!source.equals(STORE)) {
                        outside.addAll(statements(source));
                    }
                }
            }
        }
        assertThat(outside).as("statements on jobs or job_transitions outside JobStore (file:line: text)").isEmpty();
    }

    @Test
    void theScanRecognisesTheStoresOwnStatements() throws IOException {
        // were the patterns or the path wrong, the test above would pass on nothing
        assertThat(statements(STORE)).hasSizeGreaterThan(30);
    }

    private static List<String> statements(Path source) throws IOException {
        List<String> found = new ArrayList<>();
        List<String> lines = Files.readAllLines(source);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.trim();
            if (trimmed.startsWith("*") || trimmed.startsWith("/*") || trimmed.startsWith("//")) {
                continue; // prose, not a statement
            }
            if (STATEMENTS.stream().anyMatch(pattern -> pattern.matcher(line).find())) {
                found.add(source + ":" + (i + 1) + ": " + trimmed);
            }
        }
        return found;
    }
}
