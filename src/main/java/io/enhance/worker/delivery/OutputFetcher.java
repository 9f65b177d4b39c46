package io.enhance.worker.delivery;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.enhance.worker.config.PipelineConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

/**
 * Streams one output (a URL, or a base64 string) into a checked temporary file. A download connects
 * to the very address {@link OutputAddressPolicy} checked (Host header, SNI and certificate check
 * still use the name), follows redirects by hand so every hop is checked, never from https to
 * http, and is abandoned at {@code PIPELINE_DOWNLOAD_TIMEOUT}, headers and body together: a server
 * that sends its headers and then nothing cannot hold a delivery thread.
 */
@ApplicationScoped
class OutputFetcher {

    private static final int MAX_REDIRECTS = 5;
    private static final Duration MAX_CONNECT_TIME = Duration.ofSeconds(10);

    private final HttpClient http;
    private final long maxBytes;
    private final Duration timeout;
    private final OutputAddressPolicy addresses;

    @Inject
    OutputFetcher(Vertx vertx, PipelineConfig pipeline) {
        this(vertx, new HttpClientOptions(), pipeline.deliveryThreads(), pipeline.maxOutputBytes(),
                pipeline.downloadTimeout(), new OutputAddressPolicy(pipeline.outputPrivateHosts().orElse(Set.of())));
    }

    /** {@code options} lets a test trust its own certificate. */
    OutputFetcher(Vertx vertx, HttpClientOptions options, int connections, long maxBytes, Duration timeout,
            OutputAddressPolicy addresses) {
        long connectMillis = Math.min(timeout.toMillis(), MAX_CONNECT_TIME.toMillis());
        // one connection per request: an abandoned answer never leaves a half-read connection in the pool
        this.http = vertx.createHttpClient(options.setConnectTimeout((int) connectMillis).setKeepAlive(false),
                new PoolOptions().setHttp1MaxSize(Math.max(1, connections)));
        this.maxBytes = maxBytes;
        this.timeout = timeout;
        this.addresses = addresses;
    }

    FetchedOutput fetch(String output, boolean base64) throws DeliveryException {
        return base64 ? decode(output) : download(output);
    }

    private FetchedOutput download(String url) throws DeliveryException {
        URI uri = parse(url, null);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            InetAddress address = addresses.check(uri);
            Hop answer = get(uri, address, deadline);
            if (answer.output() != null) {
                return answer.output();
            }
            URI next = parse(answer.location(), uri);
            if (scheme(uri).equals("https") && scheme(next).equals("http")) {
                throw DeliveryException.permanent("output_refused", "output URL redirects from https to http");
            }
            uri = next;
        }
        throw DeliveryException.permanent("output_unavailable", "output URL redirects more than " + MAX_REDIRECTS + " times");
    }

    /** One request: the output, or where a redirect points. */
    private record Hop(FetchedOutput output, String location) {
    }

    private Hop get(URI uri, InetAddress address, long deadline) throws DeliveryException {
        int port = uri.getPort() != -1 ? uri.getPort() : scheme(uri).equals("https") ? 443 : 80;
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri.toString())
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress())).setFollowRedirects(false);
        OutputFile file = openFile();
        try (file) {
            Transfer transfer = new Transfer(file);
            HttpClientResponse response = transfer.await(http.request(request).compose(transfer::started), deadline);
            int status = response.statusCode();
            String location = response.getHeader("Location");
            if (status / 100 == 3 && location != null) {
                transfer.abandon();
                return new Hop(null, location);
            }
            if (status != 200) {
                transfer.abandon();
                throw statusFailure(status);
            }
            transfer.await(transfer.bodyEnd, deadline);
            return new Hop(file.finish(), null);
        } catch (IOException e) {
            throw DeliveryException.transientFailure("output download failed: " + e, e);
        }
    }

    private static DeliveryException statusFailure(int status) {
        if (status / 100 == 4 && status != 408 && status != 429) {
            return DeliveryException.permanent("output_unavailable",
                    "output URL answered HTTP " + status + " (outputs expire after 7 days)");
        }
        return DeliveryException.transientFailure("output URL answered HTTP " + status, null);
    }

    /** One request under way, written into {@code file} on the event loop and waited for with a deadline. */
    private final class Transfer {
        private final OutputFile file;
        private final AtomicReference<HttpClientRequest> request = new AtomicReference<>();
        private final AtomicBoolean abandoned = new AtomicBoolean();
        private final AtomicReference<DeliveryException> refused = new AtomicReference<>();
        /** Set with the handler, on the event loop: asked for later, a short body would already have ended. */
        private volatile Future<Void> bodyEnd;

        Transfer(OutputFile file) {
            this.file = file;
        }

        /**
         * Sends the request with the body's handler already in place: set once the answer is in, from
         * whatever thread this runs on, it could come after a short body had ended, which Vert.x refuses.
         */
        Future<HttpClientResponse> started(HttpClientRequest sent) {
            request.set(sent);
            if (abandoned.get()) {
                sent.reset();
            }
            Future<HttpClientResponse> received = sent.response().map(this::receive);
            sent.end();
            return received;
        }

        /** Runs on the event loop as the headers arrive, before any of the body is handed out. */
        HttpClientResponse receive(HttpClientResponse response) {
            if (response.statusCode() == 200) {
                response.handler(buffer -> {
                    try {
                        file.write(buffer.getBytes(), 0, buffer.length());
                    } catch (IOException e) {
                        refused.compareAndSet(null, DeliveryException.transientFailure("output not stored: " + e, e));
                        abandon();
                    } catch (DeliveryException e) {
                        refused.compareAndSet(null, e);
                        abandon();
                    }
                });
                bodyEnd = response.end();
            }
            return response;
        }

        <T> T await(Future<T> step, long deadline) throws DeliveryException {
            try {
                return step.toCompletionStage().toCompletableFuture()
                        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                abandon();
                throw DeliveryException.transientFailure("output download did not finish within " + timeout, e);
            } catch (ExecutionException e) {
                abandon();
                if (refused.get() != null) {
                    throw refused.get();
                }
                throw DeliveryException.transientFailure("output download failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                abandon();
                Thread.currentThread().interrupt();
                throw DeliveryException.transientFailure("interrupted", e);
            }
        }

        /** Closes the connection: nothing more of this answer is read. */
        void abandon() {
            abandoned.set(true);
            HttpClientRequest sent = request.get();
            if (sent != null) {
                sent.reset();
            }
        }
    }

    OutputFile openFile() throws DeliveryException {
        try {
            return new OutputFile(maxBytes);
        } catch (IOException e) {
            throw DeliveryException.transientFailure("no temporary file for the output: " + e, e);
        }
    }

    private static URI parse(String url, URI base) throws DeliveryException {
        try {
            return base == null ? URI.create(url) : base.resolve(url);
        } catch (IllegalArgumentException e) {
            throw DeliveryException.permanent("output_unavailable", base == null ? "output is not a URL"
                    : "output URL redirects to something that is not a URL");
        }
    }

    private static String scheme(URI uri) {
        return uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    }

    private FetchedOutput decode(String base64) throws DeliveryException {
        try (InputStream body = Base64.getMimeDecoder().wrap(new ByteArrayInputStream(base64.getBytes(StandardCharsets.US_ASCII)));
                OutputFile file = openFile()) {
            file.writeAll(body);
            return file.finish();
        } catch (IllegalArgumentException | IOException e) {
            throw DeliveryException.permanent("output_invalid", "base64 output cannot be decoded: " + e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        http.close();
    }
}
