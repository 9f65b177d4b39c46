package io.enhance.worker.delivery;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Puts one checked output into S3. A refusal that no retry can change (wrong region, invalid bucket
 * name or key, missing or forbidden bucket, any other 4xx) fails the job at once; only 5xx, 429 and
 * 503 SlowDown, throttling and network errors are tried again.
 */
@ApplicationScoped
class OutputUploads {

    private final S3Client s3;

    OutputUploads(S3Client s3) {
        this.s3 = s3;
    }

    void put(String bucket, String key, FetchedOutput output, String jobId) throws DeliveryException {
        // intake refuses both; a job stored before it did is still refused here rather than retried
        if (!OutputKeys.validBucket(bucket)) {
            throw DeliveryException.permanent("output_bucket_invalid", "bucket name " + bucket + " is not a valid S3 bucket name");
        }
        int keyBytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (keyBytes > OutputKeys.MAX_KEY_BYTES) {
            throw DeliveryException.permanent("output_key_invalid",
                    "output key is " + keyBytes + " bytes long; S3 allows " + OutputKeys.MAX_KEY_BYTES);
        }
        try {
            s3.putObject(PutObjectRequest.builder()
                    .bucket(bucket)
                    .key(key)
                    .contentType(output.type().contentType)
                    .contentLength(output.size())
                    .metadata(Map.of("sha256", output.sha256(), "job-id", jobId))
                    .build(), RequestBody.fromFile(output.file()));
        } catch (S3Exception e) {
            throw refusal(bucket, e);
        } catch (SdkException | UncheckedIOException e) {
            // the URL-connection client lets some socket errors escape unwrapped
            throw DeliveryException.transientFailure("S3 unavailable: " + e.getMessage(), e);
        }
    }

    static DeliveryException refusal(String bucket, S3Exception e) {
        int status = e.statusCode();
        AwsErrorDetails details = e.awsErrorDetails();
        String code = details == null || details.errorCode() == null ? "" : details.errorCode();
        String said = details == null || details.errorMessage() == null ? e.getMessage() : details.errorMessage();
        if (status >= 500 || status == 429 || status == 408 || code.equals("SlowDown") || code.equals("RequestTimeout")
                || e.isThrottlingException()) {
            return DeliveryException.transientFailure("S3 refused the upload (HTTP " + status + " " + code + "): " + said, e);
        }
        if (status == 301 || code.equals("PermanentRedirect") || code.equals("AuthorizationHeaderMalformed")) {
            return DeliveryException.permanent("output_bucket_wrong_region",
                    "bucket " + bucket + " is in another region than the one configured (S3_REGION): " + said);
        }
        return switch (code) {
            case "NoSuchBucket" -> DeliveryException.permanent("output_bucket_not_found", "bucket " + bucket + " does not exist");
            case "InvalidBucketName" -> DeliveryException.permanent("output_bucket_invalid", "bucket name " + bucket + " is invalid: " + said);
            case "KeyTooLongError" -> DeliveryException.permanent("output_key_invalid", "output key refused: " + said);
            default -> status == 403
                    ? DeliveryException.permanent("output_bucket_forbidden", "access to bucket " + bucket + " denied: " + said)
                    : DeliveryException.permanent("output_upload_refused", "S3 refused the upload (HTTP " + status + " " + code + "): " + said);
        };
    }
}
