package io.enhance.worker.testing;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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

    /** The database as its superuser, for the tests' own reads and for what they change about it. */
    public static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

    /** Distinctive, so that a test can prove they never reach a log. */
    public static final String API_KEY = "ws-rig-key-7c2e91d04b";
    public static final String WEBHOOK_SECRET = "whsec_rig-signing-secret-3f8a";

    public final WaveSpeedEmulator emulator;
    public final TestS3 s3;
    private final Path storeDirectory;
    private final int storePort;
    private EmbeddedS3Store store;
    public final TestBroker broker;
    public final String requests;
    private final String schema;
    private Connection db;

    /** {@code name} names the schema, the queues and the exchange, so that rigs never share state. */
    public PackagedWorkerRig(String name, EmulatorSettings emulatorSettings) throws Exception {
        String scoped = EmbeddedServices.NAMESPACE.equals("test") ? name : EmbeddedServices.NAMESPACE + "_" + name;
        schema = "enhance_" + scoped;
        requests = scoped + ".enhance.requests";
        emulator = WaveSpeedEmulator.start(emulatorSettings.setApiKey(API_KEY).setWebhookSecret(WEBHOOK_SECRET));
        storeDirectory = Files.createTempDirectory("rig-s3-");
        try (ServerSocket socket = new ServerSocket(0)) {
            storePort = socket.getLocalPort();
        }
        startS3();
        broker = TestBroker.listeningTo(eventsExchange());
        db = DriverManager.getConnection(DB_URL);
        db.createStatement().execute("drop schema if exists " + schema + " cascade");
        broker.deleteQueues(requests, requests + ".dlq");
        s3 = TestS3.connect(URI.create("http://127.0.0.1:" + storePort)).createBuckets("enhanced", TestS3.SOURCES_BUCKET);
    }

    /** The environment of a worker process using this rig; tests add their own settings to it. */
    public Map<String, String> environment() {
        Map<String, String> env = requiredEnvironment(schema, requests, emulator.baseUrl(), "http://127.0.0.1:" + storePort);
        env.put("WAVESPEED_TIER", "ultra"); // the emulator has no account limits: do not slow the runs to silver's 500 a minute
        env.put("WAVESPEED_FIRST_POLL_DELAY", "500ms");
        env.put("WAVESPEED_MAX_POLL_DELAY", "1s");
        return env;
    }

    /**
     * Only what a worker needs to reach this machine's database and broker ({@code schema}, the queues
     * named after {@code requests}), a WaveSpeed stand-in and an S3 store: every other setting at its default.
     */
    public static Map<String, String> requiredEnvironment(String schema, String requests, String waveSpeedUrl,
            String s3Endpoint) {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_JDBC_URL", plainJdbcUrl(5432) + "?currentSchema=" + schema);
        env.put("QUARKUS_FLYWAY_SCHEMAS", schema);
        env.put("QUEUES_REQUESTS", requests);
        env.put("QUEUES_DEAD_LETTER", requests + ".dlq");
        env.put("QUEUES_EVENTS_EXCHANGE", requests.replace(".requests", ".events"));
        env.put("WAVESPEED_BASE_URL", waveSpeedUrl);
        env.put("WAVESPEED_API_KEY", API_KEY);
        env.put("S3_ENDPOINT", s3Endpoint);
        env.put("S3_REGION", "us-east-1");
        env.put("S3_BUCKET", "enhanced");
        env.put("S3_PATH_STYLE", "true");
        env.put("S3_ACCESS_KEY_ID", EmbeddedServices.S3_ACCESS_KEY);
        env.put("S3_SECRET_ACCESS_KEY", EmbeddedServices.S3_SECRET_KEY);
        // the stand-ins serve outputs from loopback, which downloads refuse by default
        env.put("PIPELINE_OUTPUT_PRIVATE_HOSTS", "127.0.0.1");
        // and the sources the tests serve are on loopback too, where the emulator fetches them
        env.put("PIPELINE_SOURCE_PRIVATE_HOSTS", "127.0.0.1");
        return env;
    }

    /** The URL of the PostgreSQL database behind 127.0.0.1:{@code port}, naming no schema, as users write it. */
    public static String plainJdbcUrl(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public WorkerProcess startWorker(Map<String, String> environment, File log) throws IOException {
        return WorkerProcess.start(environment, log);
    }

    /** Takes the S3 store away: every request to it is refused until {@link #startS3()}. */
    public void stopS3() {
        store.close();
    }

    /** Brings the store back on the same port with the same objects (they are kept on disk). */
    public void startS3() {
        store = EmbeddedS3Store.onDisk(storeDirectory, storePort, EmbeddedServices.S3_ACCESS_KEY,
                EmbeddedServices.S3_SECRET_KEY);
    }

    /** Fails if {@code log} holds the API key, the webhook secret, the S3 secret or a presigned URL's signature. */
    public static void assertNoSecretsIn(File log) throws IOException {
        String text = Files.readString(log.toPath());
        for (String secret : List.of(API_KEY, WEBHOOK_SECRET, WEBHOOK_SECRET.substring("whsec_".length()),
                EmbeddedServices.S3_SECRET_KEY, "X-Amz-Signature=", "X-Amz-Credential=")) {
            if (text.contains(secret)) {
                throw new AssertionError(log + " contains a secret: " + secret.substring(0, 6) + "...");
            }
        }
    }

    /** Jobs in this rig's schema matching {@code condition} (SQL over the jobs table). */
    public long countJobs(String condition) throws SQLException {
        return ((Number) rows("select count(*) as n from jobs where " + condition).get(0).get("n")).longValue();
    }

    /** Runs {@code sql} in this rig's schema; reconnects once if the database was restarted under it. */
    public List<Map<String, Object>> rows(String sql) throws SQLException {
        try {
            return query(sql);
        } catch (SQLException connectionLost) {
            db.close();
            db = DriverManager.getConnection(DB_URL);
            return query(sql);
        }
    }

    private List<Map<String, Object>> query(String sql) throws SQLException {
        db.createStatement().execute("set search_path to " + schema);
        List<Map<String, Object>> result = new ArrayList<>();
        try (ResultSet rows = db.createStatement().executeQuery(sql)) {
            while (rows.next()) {
                Map<String, Object> row = new HashMap<>();
                for (int column = 1; column <= rows.getMetaData().getColumnCount(); column++) {
                    row.put(rows.getMetaData().getColumnLabel(column), rows.getObject(column));
                }
                result.add(row);
            }
        }
        return result;
    }

    /** The schema this rig's workers use. */
    public String schema() {
        return schema;
    }

    public String eventsExchange() {
        return requests.replace(".requests", ".events");
    }

    @Override
    public void close() throws Exception {
        try (Connection closingDb = db; TestBroker closingBroker = broker; WaveSpeedEmulator closingEmulator = emulator) {
            stopS3();
            // closed in reverse order
        }
    }
}
