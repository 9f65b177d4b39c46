package io.enhance.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.PackagedWorkerRig;
import io.enhance.worker.testing.WorkerProcess;

/** A production worker never falls back to the emulator or a local store: it refuses to start and says why. */
class RequiredSettingsIT {

    @Test
    void refusesToStartWithoutApiKeyBucketAndRegionAndNamesEachOne() throws Exception {
        File log = new File("target/required-settings-it.log");
        // a schema of this checkout's own, new: one another checkout migrated further would fail validation first
        String schema = "enhance_" + EmbeddedServices.NAMESPACE + "_required_settings";
        try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres")) {
            db.createStatement().execute("drop schema if exists " + schema + " cascade");
        }

        int exitCode = WorkerProcess.runToExit(
                Map.of("QUARKUS_DATASOURCE_JDBC_URL", PackagedWorkerRig.plainJdbcUrl(5432), "QUARKUS_FLYWAY_SCHEMAS", schema),
                List.of("WAVESPEED_API_KEY", "S3_BUCKET", "S3_REGION", "AWS_REGION", "QUARKUS_PROFILE"),
                log, Duration.ofSeconds(60));

        String output = Files.readString(log.toPath());
        assertThat(exitCode).isNotZero();
        assertThat(output).contains("enhance-worker cannot start: missing WAVESPEED_API_KEY")
                .contains("S3_BUCKET").contains("S3_REGION or AWS_REGION")
                .doesNotContain("RabbitMQ Receiver listening");
    }
}
