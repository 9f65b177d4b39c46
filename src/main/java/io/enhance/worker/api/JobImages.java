package io.enhance.worker.api;

import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import io.enhance.worker.delivery.RemoteImages;
import io.enhance.worker.intake.SourceImage;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.submission.UndecidedSubmissions;
import io.quarkus.narayana.jta.QuarkusTransaction;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A job's images for the dashboard's before and after: its source (streamed from S3, decoded from a
 * data URI, or fetched from an http(s) URL by {@link RemoteImages}, never redirected to, since a
 * publisher wrote that URL) and its stored outputs, streamed from S3. Every S3 call ends within the
 * client's call and attempt timeouts ({@code S3_CALL_TIMEOUT}, {@code S3_ATTEMPT_TIMEOUT}), a fetched
 * source within {@code PIPELINE_DOWNLOAD_TIMEOUT}. No URL is logged or answered: a caller's source URL
 * may carry a signature.
 */
@ApplicationScoped
public class JobImages {

    private static final String OCTET_STREAM = "application/octet-stream";

    private final S3Client s3;
    private final RemoteImages remoteImages;

    JobImages(S3Client s3, RemoteImages remoteImages) {
        this.s3 = s3;
        this.remoteImages = remoteImages;
    }

    public Response source(String jobId) {
        Object image = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).map(job -> job.input.get("image"))
                .orElse(null));
        if (!(image instanceof String source)) {
            return ApiErrors.error(Response.Status.NOT_FOUND, "no job " + jobId);
        }
        if (source.startsWith("data:")) {
            return dataUri(source);
        }
        SourceImage reference = SourceImage.of(source);
        if (reference.inS3()) {
            return stream(reference.bucket(), reference.key(), null, "source of job " + jobId);
        }
        return fetchedSource(source, jobId);
    }

    /** Refused by the address policy: 403; not answered with an image in time: 502. Either with the reason. */
    private Response fetchedSource(String url, String jobId) {
        RemoteImages.Image image;
        try {
            image = remoteImages.fetch(url);
        } catch (RemoteImages.NotFetched e) {
            return ApiErrors.error(e.refused() ? Response.Status.FORBIDDEN : Response.Status.BAD_GATEWAY,
                    "source of job " + jobId + " not fetched: " + e.getMessage());
        }
        StreamingOutput body = out -> {
            try (image) {
                image.copyTo(out);
            }
        };
        // the type is what the bytes are, checked, so that no browser guesses another
        return Response.ok(body, image.contentType()).header("Content-Length", image.size())
                .header("X-Content-Type-Options", "nosniff").build();
    }

    public Response output(String jobId, int index) {
        List<StoredOutput> outputs = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId)
                .map(job -> job.outputs == null ? List.<StoredOutput> of() : job.outputs).orElse(null));
        if (outputs == null) {
            return ApiErrors.error(Response.Status.NOT_FOUND, "no job " + jobId);
        }
        if (index >= outputs.size()) {
            return ApiErrors.error(Response.Status.NOT_FOUND, "job " + jobId + " has " + outputs.size()
                    + " stored output(s); the first is 0");
        }
        StoredOutput output = outputs.get(index);
        return stream(output.bucket(), output.key(), output.contentType(), "output " + index + " of job " + jobId);
    }

    /** A kept output of a task that may be the job's, for an operator to compare with the source. */
    public Response candidate(String jobId, String predictionId, int index, UndecidedSubmissions undecided) {
        return undecided.keptOutput(jobId, predictionId, index)
                .map(kept -> stream(kept.bucket(), kept.key(), kept.contentType(), "candidate " + predictionId + " of job " + jobId))
                .orElseGet(() -> ApiErrors.error(Response.Status.NOT_FOUND, "job " + jobId + " has no kept output " + index
                        + " of candidate task " + predictionId));
    }

    private Response stream(String bucket, String key, String contentType, String what) {
        ResponseInputStream<GetObjectResponse> object;
        try {
            object = s3.getObject(request -> request.bucket(bucket).key(key));
        } catch (NoSuchKeyException | NoSuchBucketException e) {
            return ApiErrors.error(Response.Status.NOT_FOUND, what + ": s3://" + bucket + "/" + key + " is not in S3");
        } catch (SdkException e) {
            return ApiErrors.error(Response.Status.BAD_GATEWAY, what + ": S3 did not serve s3://" + bucket + "/" + key
                    + ": " + e.getMessage());
        }
        String type = contentType != null ? contentType
                : object.response().contentType() != null ? object.response().contentType() : OCTET_STREAM;
        StreamingOutput body = out -> {
            try (InputStream in = object) {
                in.transferTo(out);
            }
        };
        var response = Response.ok(body, type);
        if (object.response().contentLength() != null) {
            response.header("Content-Length", object.response().contentLength());
        }
        return response.build();
    }

    /** {@code data:[<media type>][;base64],<data>}, decoded. */
    static Response dataUri(String uri) {
        int comma = uri.indexOf(',');
        if (comma < 0) {
            return ApiErrors.error(Response.Status.NOT_FOUND, "the source is a data URI without data");
        }
        String meta = uri.substring("data:".length(), comma);
        String data = uri.substring(comma + 1);
        boolean base64 = meta.toLowerCase(Locale.ROOT).endsWith(";base64");
        String type = base64 ? meta.substring(0, meta.length() - ";base64".length()) : meta;
        byte[] bytes;
        try {
            bytes = base64 ? Base64.getMimeDecoder().decode(data)
                    : URLDecoder.decode(data.replace("+", "%2B"), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return ApiErrors.error(Response.Status.NOT_FOUND, "the source is a data URI that does not decode: " + e.getMessage());
        }
        return Response.ok(bytes, type.isBlank() ? OCTET_STREAM : type).build();
    }
}
