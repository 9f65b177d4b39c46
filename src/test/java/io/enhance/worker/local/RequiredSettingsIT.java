package io.enhance.worker.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.WorkerProcess;

/** A production worker never falls back to the emulator or a local store: it refuses to start and says why. */
class RequiredSettingsIT {

    @Test
    void refusesToStartWithoutApiKeyBucketAndRegionAndNamesEachOne() throws Exception {
        File log = new File("target/required-settings-it.log");

        int exitCode = WorkerProcess.runToExit(
                Map.of("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/postgres?currentSchema=enhance_it",
                        "QUARKUS_FLYWAY_SCHEMAS", "enhance_it"),
                List.of("WAVESPEED_API_KEY", "S3_BUCKET", "S3_REGION", "AWS_REGION", "QUARKUS_PROFILE"),
                log, Duration.ofSeconds(60));

        String output = Files.readString(log.toPath());
        assertThat(exitCode).isNotZero();
        assertThat(output).contains("enhance-worker cannot start: missing WAVESPEED_API_KEY")
                .contains("S3_BUCKET").contains("S3_REGION or AWS_REGION")
                .doesNotContain("RabbitMQ Receiver listening");
    }
}
