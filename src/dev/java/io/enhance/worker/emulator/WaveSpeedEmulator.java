package io.enhance.worker.emulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/**
 * An in-process stand-in for the WaveSpeed API serving the FLUX.1 SRPO image-to-image model: same paths,
 * envelopes, statuses, webhooks and signatures, with a real (if simple) image enhancement, tunable latency
 * and injectable faults. Runs embedded in a test or the worker, or standalone through {@link EmulatorMain}.
 */
public final class WaveSpeedEmulator implements AutoCloseable {

    private static final int HTTP_THREADS = 32;
    private static final String NODELAY = "sun.net.httpserver.nodelay";

    private final EmulatorSettings settings;
    private final HttpServer server;
    private final FileStore files;
    private final PredictionStore store;
    private final MediaEndpoints media;
    private final ExecutorService httpThreads;
    private final ExecutorService clientThreads;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    /** Absent when started {@link #startStandalone standalone} without an idle timeout. */
    private final ConnectionFront front;
    private final String baseUrl;
    private final AtomicBoolean closed = new AtomicBoolean();

    private WaveSpeedEmulator(EmulatorSettings settings, boolean withFront) throws IOException {
        this.settings = settings;
        files = new FileStore();
        store = new PredictionStore(files);
        httpThreads = Executors.newFixedThreadPool(HTTP_THREADS, daemonThreads("http"));
        clientThreads = Executors.newCachedThreadPool(daemonThreads("client"));
        workers = Executors.newFixedThreadPool(Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors())),
                daemonThreads("enhance"));
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(2, daemonThreads("timer"));
        timers.setRemoveOnCancelPolicy(true);
        scheduler = timers;

        HttpClient client = HttpClient.newBuilder()
                .executor(clientThreads)
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        FaultDice dice = new FaultDice(settings);
        media = new MediaEndpoints(files, dice);
        UpstreamSlots slots = new UpstreamSlots(settings);
        StartRate startRate = new StartRate(settings);
        PredictionRunner runner = new PredictionRunner(scheduler, workers, new SourceImageFetcher(client), files, store,
                new WebhookDispatcher(client, scheduler, settings), slots, new EnhancedOutputs(settings));
        InetSocketAddress publicAddress = new InetSocketAddress(settings.getHost(), settings.getPort());
        // with a front, the HTTP server listens only behind it, and the front owns the public port
        server = HttpServer.create(withFront ? new InetSocketAddress(InetAddress.getLoopbackAddress(), 0) : publicAddress, 256);
        front = withFront ? new ConnectionFront(publicAddress, server.getAddress(), settings, dice, daemonThreads("connection"))
                : null;
        String host = settings.getHost().equals("0.0.0.0") || settings.getHost().equals("::") ? "127.0.0.1" : settings.getHost();
        baseUrl = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
        server.createContext("/", new EmulatorRouter(settings, () -> baseUrl,
                new PredictionEndpoints(settings, dice, store, runner, startRate), media,
                new LedgerEndpoints(store, slots, startRate)));
        server.setExecutor(httpThreads);
        server.start();
    }

    /** Binds the port and returns once the emulator accepts requests. */
    public static WaveSpeedEmulator start(EmulatorSettings settings) {
        return start(settings, true);
    }

    /**
     * The same for settings that no one changes once started, as in {@link EmulatorMain}: without an idle
     * timeout or resets, the connection front that plays them (two threads and a relay per connection) is left out.
     */
    public static WaveSpeedEmulator startStandalone(EmulatorSettings settings) {
        return start(settings, settings.getIdleTimeoutMs() > 0 || settings.getResetRate() > 0);
    }

    private static WaveSpeedEmulator start(EmulatorSettings settings, boolean withFront) {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        // Without TCP_NODELAY, JDK HttpServer's separate header and body writes meet the client's delayed ACK:
        // ~40 ms per response. Read once per JVM, so it only helps if no HttpServer was created before.
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
        try {
            return new WaveSpeedEmulator(settings, withFront);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the WaveSpeed emulator on " + settings.getHost() + ":"
                    + settings.getPort(), e);
        }
    }

    /** For example {@code http://127.0.0.1:43123}, without a trailing slash. */
    public String baseUrl() {
        return baseUrl;
    }

    public int port() {
        return front != null ? front.port() : server.getAddress().getPort();
    }

    /** The live settings: changes apply to the calls that follow. */
    public EmulatorSettings settings() {
        return settings;
    }

    /** Every submit that created a prediction, oldest first; a copy. */
    public List<ReceivedSubmission> submissions() {
        return store.submissions();
    }

    /** Every delete call (batch or single), oldest first, with each named task's state when it arrived; a copy. */
    public List<ReceivedDelete> deletes() {
        return store.deletes();
    }

    /** A prediction's status ({@code created}, {@code processing}, {@code completed}, {@code failed}); empty once deleted or unknown. */
    public Optional<String> status(String predictionId) {
        return store.find(predictionId).map(EmulatedPrediction::status);
    }

    /** How many predictions were created since start; deleting predictions does not lower it. */
    public int predictionCount() {
        return store.createdCount();
    }

    /** Submit connections reset before their request was read ({@code EMULATOR_RESET_RATE}); none created a task. */
    public int resetSubmits() {
        return front == null ? 0 : front.resets();
    }

    /** Ids of the predictions whose output download was stalled ({@code EMULATOR_OUTPUT_STALL_RATE}) at least once. */
    public Set<String> stalledOutputs() {
        return media.stalledPredictions();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        media.closeStalled();
        if (front != null) {
            front.close();
        }
        server.stop(0);
        httpThreads.shutdownNow();
        scheduler.shutdownNow();
        workers.shutdownNow();
        clientThreads.shutdownNow();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        files.close();
    }

    private static ThreadFactory daemonThreads(String role) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "wavespeed-emulator-" + role + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
