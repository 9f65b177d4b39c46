package io.enhance.worker.testing;

import java.io.File;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

import io.enhance.worker.emulator.EmulatorSettings;
import io.enhance.worker.emulator.WaveSpeedEmulator;
import io.enhance.worker.local.EmbeddedS3Store;

/**
 * What the packaged-worker tests run against: an emulator, an S3 store, the real broker and
 * database (a schema and queues of their own, emptied first), and the environment that points
 * worker processes at all of them.
 */
public final class PackagedWorkerRig implements AutoCloseable {

    private static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    public final WaveSpeedEmulator emulator;
    public final EmbeddedS3Store store;
    public final TestS3 s3;
    public final TestBroker broker;
    public final String requests;
    private final String schema;
    private final Connection db;

    /** {@code name} names the schema, the queues and the exchange, so that rigs never share state. */
    public PackagedWorkerRig(String name, EmulatorSettings emulatorSettings) throws Exception {
        schema = "enhance_" + name;
        requests = name + ".enhance.requests";
        emulator = WaveSpeedEmulator.start(emulatorSettings.setApiKey(EmbeddedServices.API_KEY));
        store = EmbeddedS3Store.inMemory(0, EmbeddedServices.S3_ACCESS_KEY, EmbeddedServices.S3_SECRET_KEY);
        broker = TestBroker.listeningTo(name + ".enhance.events");
        db = DriverManager.getConnection(DB_URL);
        db.createStatement().execute("drop schema if exists " + schema + " cascade");
        broker.deleteQueues(requests, requests + ".dlq");
        s3 = TestS3.connect(store.endpoint()).createBuckets("enhanced", TestS3.SOURCES_BUCKET);
    }

    /** The environment of a worker process using this rig; tests add their own settings to it. */
    public Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/postgres?currentSchema=" + schema);
        env.put("QUARKUS_FLYWAY_SCHEMAS", schema);
        env.put("QUEUES_REQUESTS", requests);
        env.put("QUEUES_DEAD_LETTER", requests + ".dlq");
        env.put("QUEUES_EVENTS_EXCHANGE", requests.replace(".requests", ".events"));
        env.put("WAVESPEED_BASE_URL", emulator.baseUrl());
        env.put("WAVESPEED_API_KEY", EmbeddedServices.API_KEY);
        env.put("WAVESPEED_FIRST_POLL_DELAY", "500ms");
        env.put("WAVESPEED_MAX_POLL_DELAY", "1s");
        env.put("S3_ENDPOINT", store.endpoint().toString());
        env.put("S3_REGION", "us-east-1");
        env.put("S3_BUCKET", "enhanced");
        env.put("S3_PATH_STYLE", "true");
        env.put("S3_ACCESS_KEY_ID", EmbeddedServices.S3_ACCESS_KEY);
        env.put("S3_SECRET_ACCESS_KEY", EmbeddedServices.S3_SECRET_KEY);
        env.put("PIPELINE_OUTPUT_PRIVATE_HOSTS", "127.0.0.1");
        return env;
    }

    public WorkerProcess startWorker(Map<String, String> environment, File log) throws IOException {
        return WorkerProcess.start(environment, log);
    }

    /** Jobs in this rig's schema matching {@code condition} (SQL over the jobs table). */
    public long countJobs(String condition) throws SQLException {
        try (ResultSet rows = db.createStatement().executeQuery(
                "select count(*) from " + schema + ".jobs where " + condition)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Override
    public void close() throws Exception {
        try (Connection closingDb = db; TestBroker closingBroker = broker; EmbeddedS3Store closingStore = store;
                WaveSpeedEmulator closingEmulator = emulator) {
            // closed in reverse order
        }
    }
}
