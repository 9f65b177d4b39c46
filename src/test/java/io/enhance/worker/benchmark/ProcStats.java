package io.enhance.worker.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/** CPU time and memory of OS processes, read from {@code /proc} (Linux). */
final class ProcStats {

    /** Linux reports CPU times in clock ticks of 1/100 s ({@code getconf CLK_TCK}) on every common platform. */
    private static final long MILLIS_PER_TICK = 10;

    private ProcStats() {
    }

    /** User plus system CPU milliseconds of {@code pid} and all its threads so far, if it can be read. */
    static OptionalLong cpuMillis(long pid) {
        try {
            return OptionalLong.of(ticksToMillis(Files.readString(Path.of("/proc", String.valueOf(pid), "stat"))));
        } catch (IOException | RuntimeException gone) {
            return OptionalLong.empty();
        }
    }

    /** User plus system CPU of a {@code stat} line of a process or thread, in milliseconds. */
    private static long ticksToMillis(String stat) {
        // the command name in parentheses may hold spaces: the fields counted from its end are safe
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MILLIS_PER_TICK;
    }

    /**
     * CPU milliseconds the JVM {@code pid} has spent in its JIT compiler threads (named "C1 CompilerThread" and
     * "C2 CompilerThread", which the kernel shortens to 15 characters).
     */
    static OptionalLong compilerCpuMillis(long pid) {
        try (Stream<Path> threads = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            return OptionalLong.of(threads.mapToLong(thread -> {
                try {
                    String name = Files.readString(thread.resolve("comm")).trim();
                    return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")
                            ? ticksToMillis(Files.readString(thread.resolve("stat"))) : 0;
                } catch (IOException | RuntimeException gone) {
                    return 0; // the thread ended while we looked
                }
            }).sum());
        } catch (IOException | RuntimeException gone) {
            return OptionalLong.empty();
        }
    }

    /** CPU milliseconds per pid of every process whose command name is one of {@code names}. */
    static Map<Long, Long> cpuMillisByPid(Set<String> names) {
        Map<Long, Long> cpu = new HashMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.filter(entry -> entry.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(entry -> {
                try {
                    if (names.contains(Files.readString(entry.resolve("comm")).trim())) {
                        long pid = Long.parseLong(entry.getFileName().toString());
                        cpuMillis(pid).ifPresent(millis -> cpu.put(pid, millis));
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked
                }
            });
        } catch (IOException unreadable) {
            // no /proc: nothing to report
        }
        return cpu;
    }

    /** CPU milliseconds spent between two readings; a process that appeared in between counts from zero. */
    static long cpuDelta(Map<Long, Long> before, Map<Long, Long> after) {
        return after.entrySet().stream().mapToLong(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L)).sum();
    }

    /** A {@code /proc/<pid>/status} size in MB, for example {@code VmHWM} (peak resident set) or {@code VmRSS}. */
    static OptionalLong memoryMb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(field + ":")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024);
                }
            }
        } catch (IOException | RuntimeException gone) {
            // fall through
        }
        return OptionalLong.empty();
    }
}
