package io.enhance.worker.benchmark;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.enhance.worker.testing.WorkerProcess;

/** CPU used over a run by the worker, each stand-in, and this machine's PostgreSQL and RabbitMQ processes. */
final class CpuMeter {

    /** PostgreSQL and RabbitMQ are shared with anything else running here: their share is an upper bound. */
    private static final Set<String> POSTGRES = Set.of("postgres");
    private static final Set<String> RABBITMQ = Set.of("beam.smp", "erl_child_setup", "epmd", "inet_gethost");

    /** CPU milliseconds spent during the run; {@code workerCompiling} is the part of the worker's in its JIT compiler threads. */
    record Used(long worker, long workerCompiling, long emulator, long s3, long postgres, long rabbitMq) {

        /** The worker's CPU per job, and how much of it went on JIT compilation, which a fresh JVM pays in its first minutes. */
        String workerPerJob(int jobs) {
            return perJob(worker, jobs) + " (JIT compiling " + perJob(workerCompiling, jobs) + ")";
        }

        /** Emulator / S3 / PostgreSQL / RabbitMQ, per job. */
        String standInsPerJob(int jobs) {
            return perJob(emulator, jobs) + " / " + perJob(s3, jobs) + " / " + perJob(postgres, jobs) + " / "
                    + perJob(rabbitMq, jobs);
        }

        private static String perJob(long millis, int jobs) {
            return millis < 0 || jobs == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f ms", (double) millis / jobs);
        }
    }

    private final long workerPid;
    private final long emulatorPid;
    private final long s3Pid;
    private final long worker;
    private final long workerCompiling;
    private final long emulator;
    private final long s3;
    private final Map<Long, Long> postgres;
    private final Map<Long, Long> rabbitMq;

    private CpuMeter(WorkerProcess workerProcess, BenchmarkRig rig) {
        workerPid = workerProcess.pid();
        emulatorPid = rig.emulator.pid();
        s3Pid = rig.s3.pid();
        worker = cpu(workerPid);
        workerCompiling = compiling(workerPid);
        emulator = cpu(emulatorPid);
        s3 = cpu(s3Pid);
        postgres = ProcStats.cpuMillisByPid(POSTGRES);
        rabbitMq = ProcStats.cpuMillisByPid(RABBITMQ);
    }

    static CpuMeter start(WorkerProcess worker, BenchmarkRig rig) {
        return new CpuMeter(worker, rig);
    }

    Used stop() {
        return new Used(delta(worker, cpu(workerPid)), delta(workerCompiling, compiling(workerPid)),
                delta(emulator, cpu(emulatorPid)), delta(s3, cpu(s3Pid)),
                ProcStats.cpuDelta(postgres, ProcStats.cpuMillisByPid(POSTGRES)),
                ProcStats.cpuDelta(rabbitMq, ProcStats.cpuMillisByPid(RABBITMQ)));
    }

    private static long cpu(long pid) {
        return ProcStats.cpuMillis(pid).orElse(-1);
    }

    private static long compiling(long pid) {
        return ProcStats.compilerCpuMillis(pid).orElse(-1);
    }

    private static long delta(long before, long after) {
        return before < 0 || after < 0 ? -1 : after - before;
    }
}
