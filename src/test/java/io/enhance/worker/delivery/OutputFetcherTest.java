package io.enhance.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import io.enhance.worker.testing.TestImages;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PfxOptions;

/** Downloads end at their deadline, sort HTTP answers into final and passing failures, and go only where they were checked. */
class OutputFetcherTest {

    private static final Set<String> LOCAL = Set.of("127.0.0.1");
    private static final byte[] IMAGE = TestImages.card(8, 8, 1);

    private static Vertx vertx;
    private HttpServer server;
    private String base;
    private final AtomicInteger requests = new AtomicInteger();
    private final ConcurrentLinkedQueue<HttpExchange> stalled = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close();
    }

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/status/")) {
                exchange.sendResponseHeaders(Integer.parseInt(path.substring("/status/".length())), -1);
                exchange.close();
            } else if (path.equals("/stall.png")) {
                stalled.add(exchange); // the headers and a few bytes, then nothing
                exchange.sendResponseHeaders(200, IMAGE.length);
                exchange.getResponseBody().write(IMAGE, 0, 16);
                exchange.getResponseBody().flush();
            } else if (path.equals("/redirect.png")) {
                exchange.getResponseHeaders().set("Location", "http://localhost:" + server.getAddress().getPort() + "/out.png");
                exchange.sendResponseHeaders(302, -1);
                exchange.close();
            } else {
                answer(exchange, IMAGE);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        stalled.forEach(HttpExchange::close);
        server.stop(0);
    }

    @Test
    void abandonsADownloadThatSendsItsHeadersAndThenNothingAtItsDeadline() {
        OutputFetcher fetcher = fetcher(new OutputAddressPolicy(LOCAL), Duration.ofSeconds(1), new HttpClientOptions());

        DeliveryException failure = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> fetchFailure(fetcher, base + "/stall.png"));

        assertThat(failure.permanent).isFalse();
        assertThat(failure.getMessage()).isEqualTo("output download did not finish within PT1S");
    }

    @Test
    void failsForGoodOnClientErrorsButNotOn408And429OrServerErrors() {
        OutputFetcher fetcher = fetcher(new OutputAddressPolicy(LOCAL), Duration.ofSeconds(5), new HttpClientOptions());

        for (int status : List.of(400, 401, 403, 404, 410, 451)) {
            DeliveryException failure = fetchFailure(fetcher, base + "/status/" + status);
            assertThat(failure.permanent).as("HTTP " + status).isTrue();
            assertThat(failure.code).isEqualTo("output_unavailable");
        }
        for (int status : List.of(408, 429, 500, 503)) {
            assertThat(fetchFailure(fetcher, base + "/status/" + status).permanent).as("HTTP " + status).isFalse();
        }
    }

    @Test
    void refusesARedirectFromHttpsToHttp(@TempDir Path dir) throws Exception {
        Path keystore = SelfSignedKeystore.create(dir);
        HttpsServer https = SelfSignedKeystore.server(keystore, exchange -> {
            exchange.getResponseHeaders().set("Location", base + "/out.png");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        try {
            OutputAddressPolicy policy = new OutputAddressPolicy(Set.of("localhost", "127.0.0.1"),
                    host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")});
            HttpClientOptions trusting = new HttpClientOptions()
                    .setTrustOptions(new PfxOptions().setPath(keystore.toString()).setPassword(SelfSignedKeystore.PASSWORD));
            OutputFetcher fetcher = fetcher(policy, Duration.ofSeconds(5), trusting);

            DeliveryException failure = fetchFailure(fetcher, "https://localhost:" + https.getAddress().getPort() + "/out.png");

            assertThat(failure.code).isEqualTo("output_refused");
            assertThat(failure.getMessage()).isEqualTo("output URL redirects from https to http");
            assertThat(requests).as("requests to the http server").hasValue(0);
        } finally {
            https.stop(0);
        }
    }

    @Test
    void connectsToTheAddressItCheckedAndNotToASecondDnsAnswer() {
        // 203.0.113.7 is public (and unreachable); a second lookup would point the name at this machine
        AtomicInteger lookups = new AtomicInteger();
        OutputAddressPolicy policy = new OutputAddressPolicy(Set.of(), host -> new InetAddress[] {
                InetAddress.getByName(lookups.getAndIncrement() == 0 ? "203.0.113.7" : "127.0.0.1")});
        OutputFetcher fetcher = fetcher(policy, Duration.ofSeconds(2), new HttpClientOptions());

        DeliveryException failure = fetchFailure(fetcher, "http://rebind.test:" + server.getAddress().getPort() + "/out.png");

        assertThat(failure.permanent).isFalse();
        assertThat(requests).as("requests that reached this machine").hasValue(0);
        assertThat(lookups).hasValue(1);
    }

    @Test
    void checksEveryRedirectTargetAndStopsAtTheSizeCap() throws Exception {
        OutputFetcher fetcher = fetcher(new OutputAddressPolicy(LOCAL), Duration.ofSeconds(5), new HttpClientOptions());

        try (FetchedOutput direct = fetcher.fetch(base + "/out.png", false)) {
            assertThat(direct.size()).isEqualTo(IMAGE.length);
            assertThat(direct.sha256()).isEqualTo(TestImages.sha256(IMAGE));
        }
        assertThat(fetchFailure(fetcher, base + "/redirect.png").code).as("redirect to localhost").isEqualTo("output_refused");
        OutputFetcher small = new OutputFetcher(vertx, new HttpClientOptions(), 1, 100, Duration.ofSeconds(5),
                new OutputAddressPolicy(LOCAL));
        assertThat(fetchFailure(small, base + "/out.png").code).isEqualTo("output_invalid");
    }

    private static OutputFetcher fetcher(OutputAddressPolicy policy, Duration timeout, HttpClientOptions options) {
        return new OutputFetcher(vertx, options, 4, 1_000_000, timeout, policy);
    }

    private static DeliveryException fetchFailure(OutputFetcher fetcher, String url) {
        Throwable thrown = catchThrowable(() -> fetcher.fetch(url, false).close());
        assertThat(thrown).as(url).isInstanceOf(DeliveryException.class);
        return (DeliveryException) thrown;
    }

    private static void answer(HttpExchange exchange, byte[] body) throws IOException {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** A certificate for localhost, made with the JDK's keytool, and an HTTPS server that presents it. */
    static final class SelfSignedKeystore {
        static final String PASSWORD = "test-only";

        static Path create(Path dir) throws IOException, InterruptedException {
            Path keystore = dir.resolve("localhost.p12");
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "localhost", "-keyalg", "EC", "-dname", "CN=localhost",
                    "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                    "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                    .redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes());
            assertThat(keytool.waitFor()).as(output).isZero();
            return keystore;
        }

        static HttpsServer server(Path keystore, HttpHandler handler) throws Exception {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(keystore)) {
                store.load(in, PASSWORD.toCharArray());
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance("SunX509");
            keys.init(store, PASSWORD.toCharArray());
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(keys.getKeyManagers(), null, null);
            HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            https.createContext("/", handler);
            https.start();
            return https;
        }
    }
}
