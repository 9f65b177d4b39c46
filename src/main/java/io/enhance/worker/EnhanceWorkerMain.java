package io.enhance.worker;

import java.util.Arrays;

import io.enhance.worker.emulator.EmulatorMain;
import io.enhance.worker.local.SampleBatch;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * One jar, three commands: {@code worker} (the default) serves the queue; {@code demo} runs the
 * bundled sample batch on the embedded emulator and S3 store; {@code emulator} runs only the
 * WaveSpeed emulator, without a database or broker.
 */
@QuarkusMain
public class EnhanceWorkerMain {

    public static void main(String... args) throws Exception {
        String command = args.length == 0 ? "worker" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "worker" -> Quarkus.run(rest);
            case "demo" -> {
                if (System.getProperty("quarkus.profile") == null && System.getenv("QUARKUS_PROFILE") == null) {
                    System.setProperty("quarkus.profile", "local");
                }
                Quarkus.run(SampleBatch.class, rest);
            }
            case "emulator" -> EmulatorMain.main(rest);
            default -> {
                System.err.println("Unknown command '" + command + "'. Commands: worker (default), demo [--keep-running], emulator");
                System.exit(2);
            }
        }
    }
}
