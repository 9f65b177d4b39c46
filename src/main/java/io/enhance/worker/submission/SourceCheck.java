package io.enhance.worker.submission;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.enhance.worker.config.PipelineConfig;
import io.enhance.worker.intake.SourceImage;
import io.enhance.worker.network.AddressPolicy;
import io.enhance.worker.reuse.ReuseKeys;
import io.smallrye.mutiny.infrastructure.Infrastructure;
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
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Before a job is paid for, asks cheaply whether WaveSpeed will be able to fetch its source: a URL
 * must resolve to public addresses (unless allowed by {@code PIPELINE_SOURCE_PRIVATE_HOSTS}) and
 * answer a HEAD, or a {@code bytes=0-0} GET where HEAD is refused, with a 2xx, an image (or
 * unnamed) content type and at most 20 MB; an {@code s3://} object must answer a HeadObject with at
 * most 20 MB. A source that never will fails as {@link SourceUnavailableException}; one that may
 * later (a 5xx, 429, a timeout, a name that does not resolve) fails with another exception, to be
 * tried again. Each check has its own deadline, and none waits for another.
 */
@ApplicationScoped
class SourceCheck {

    /** WaveSpeed's limit for an image it fetches or is sent. */
    static final long MAX_SOURCE_BYTES = 20L * 1024 * 1024;
    /** Longest one source check may take, redirects included. */
    static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final int MAX_REDIRECTS = 5;
    /** Requests waiting for a connection wait within their deadline: enough for a full claim of many batches. */
    private static final int MAX_CONNECTIONS = 500;
    /** What S3 and many servers say of an object stored without a type: not a reason to refuse it. */
    private static final Set<String> UNNAMED_TYPES = Set.of("application/octet-stream", "binary/octet-stream");

    private final HttpClient http;
    private final S3Client s3;
    private final AddressPolicy addresses;
    private final Executor blocking;

    @Inject
    SourceCheck(Vertx vertx, S3Client s3, PipelineConfig pipeline) {
        // one connection per request: an answer abandoned after its headers leaves nothing half-read in the pool
        this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
                new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS));
        this.s3 = s3;
        this.addresses = AddressPolicy.forSources(pipeline);
        this.blocking = Infrastructure.getDefaultWorkerPool();
    }

    /**
     * Completes once the job's source is known to be fetchable, or fails saying why it is not; with the identity
     * of an {@code s3://} source's content (its ETag and size, {@link ReuseKeys#ofS3Object}), empty for a URL.
     */
    CompletableFuture<Optional<String>> check(Map<String, Object> input) {
        SourceImage source = SourceImage.of((String) input.get("image"));
        // a HeadObject's deadline is the S3 client's own, counted from when a thread takes it up
        if (source.inS3()) {
            return CompletableFuture.supplyAsync(() -> headObject(source), blocking)
                    .exceptionallyCompose(failure -> CompletableFuture.failedFuture(unwrapped(failure)));
        }
        return checkUrl(source.uri(), 0, System.nanoTime() + DEADLINE.toNanos())
                .orTimeout(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .<Optional<String>> thenApply(checked -> Optional.empty())
                .exceptionallyCompose(failure -> CompletableFuture.failedFuture(described(unwrapped(failure))));
    }

    private Optional<String> headObject(SourceImage source) {
        HeadObjectResponse head;
        try {
            head = s3.headObject(request -> request.bucket(source.bucket()).key(source.key())
                    .overrideConfiguration(call -> call.apiCallTimeout(DEADLINE).apiCallAttemptTimeout(DEADLINE)));
        } catch (S3Exception e) {
            throw SourceUrls.classified(source, e);
        }
        if (head.contentLength() != null && head.contentLength() > MAX_SOURCE_BYTES) {
            throw tooLarge(head.contentLength());
        }
        return head.eTag() == null || head.contentLength() == null ? Optional.empty()
                : Optional.of(ReuseKeys.ofS3Object(head.eTag(), head.contentLength()));
    }

    private CompletableFuture<Void> checkUrl(URI uri, int hop, long deadline) {
        return CompletableFuture.supplyAsync(() -> address(uri), blocking) // DNS may block
                .thenCompose(address -> ask(HttpMethod.HEAD, uri, address, deadline)
                        .thenCompose(head -> head.status() / 100 == 2 || head.redirect().isPresent()
                                ? CompletableFuture.completedFuture(head)
                                : ask(HttpMethod.GET, uri, address, deadline))) // HEAD refused, as GET-signed URLs do
                .thenCompose(answer -> {
                    if (answer.redirect().isEmpty()) {
                        judge(answer);
                        return CompletableFuture.completedFuture(null);
                    }
                    if (hop == MAX_REDIRECTS) {
                        throw new SourceUnavailableException("source redirects more than " + MAX_REDIRECTS + " times", null);
                    }
                    return checkUrl(next(uri, answer.redirect().get()), hop + 1, deadline);
                });
    }

    private InetAddress address(URI uri) {
        try {
            return addresses.check(uri);
        } catch (AddressPolicy.RefusedException e) {
            throw new SourceUnavailableException("source " + e.getMessage(), null);
        } catch (UnknownHostException e) {
            throw new NotAnswered("source host does not resolve: " + uri.getHost());
        }
    }

    /** The headers of one request, the connection closed as soon as they are in: a body is never read. */
    private record Answer(int status, String contentType, Long size, Optional<String> redirect) {
    }

    private CompletableFuture<Answer> ask(HttpMethod method, URI uri, InetAddress address, long deadline) {
        long leftMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        RequestOptions request = new RequestOptions().setMethod(method).setAbsoluteURI(uri.toString())
                .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress())).setFollowRedirects(false)
                .setConnectTimeout(leftMillis).setIdleTimeout(leftMillis);
        if (method == HttpMethod.GET) {
            request.putHeader("Range", "bytes=0-0");
        }
        Future<Answer> answer = http.request(request).compose(sent -> sent.send().map(response -> {
            response.exceptionHandler(abandoned -> { }); // the reset below is no error of the answer's
            sent.reset(); // the headers are all that is wanted
            return answerOf(response);
        }));
        return answer.toCompletionStage().toCompletableFuture();
    }

    private static Answer answerOf(HttpClientResponse response) {
        String location = response.statusCode() / 100 == 3 ? response.getHeader("Location") : null;
        return new Answer(response.statusCode(), response.getHeader("Content-Type"), size(response),
                Optional.ofNullable(location));
    }

    /** The whole object's size: the total of a Content-Range, or the Content-Length of a full answer. */
    private static Long size(HttpClientResponse response) {
        String range = response.getHeader("Content-Range");
        String length = range != null ? range.substring(range.lastIndexOf('/') + 1) : response.getHeader("Content-Length");
        try {
            return length == null ? null : Long.valueOf(length.trim());
        } catch (NumberFormatException unknown) { // "bytes 0-0/*"
            return null;
        }
    }

    private static void judge(Answer answer) {
        int status = answer.status();
        if (status == 408 || status == 429 || status / 100 == 5) {
            throw new NotAnswered("source answered HTTP " + status);
        }
        if (status / 100 != 2) {
            throw new SourceUnavailableException("source answered HTTP " + status, null);
        }
        String type = answer.contentType() == null ? "" : answer.contentType().split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!type.isEmpty() && !type.startsWith("image/") && !UNNAMED_TYPES.contains(type)) {
            throw new SourceUnavailableException("source is " + type + ", not an image", null);
        }
        if (answer.size() != null && answer.size() > MAX_SOURCE_BYTES) {
            throw tooLarge(answer.size());
        }
    }

    private static SourceUnavailableException tooLarge(long bytes) {
        return new SourceUnavailableException("source is " + bytes + " bytes; WaveSpeed takes images of up to "
                + MAX_SOURCE_BYTES + " bytes (20 MB)", null);
    }

    private static URI next(URI from, String location) {
        try {
            return from.resolve(location);
        } catch (IllegalArgumentException e) {
            throw new SourceUnavailableException("source redirects to something that is not a URL", null);
        }
    }

    /** The failure itself, out of the wrapping that completing a future adds. */
    private static Throwable unwrapped(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /**
     * A URL check's failure as this class words it: the HTTP client's own messages may quote the request's
     * path and query, a presigned signature and all, and they reach the log and the job's error.
     */
    private static Throwable described(Throwable failure) {
        if (failure instanceof SourceUnavailableException || failure instanceof NotAnswered) {
            return failure;
        }
        String kind = failure.getClass().getSimpleName();
        return new NotAnswered(failure instanceof TimeoutException || kind.contains("Timeout")
                ? "source did not answer within " + DEADLINE.toSeconds() + " s" : "source could not be asked (" + kind + ")");
    }

    /** The source may answer later: a 5xx, 408 or 429, no answer in time, a host that does not resolve. */
    private static final class NotAnswered extends RuntimeException {
        NotAnswered(String message) {
            super(message, null, false, false);
        }
    }

    @PreDestroy
    void stop() {
        http.close();
    }
}
