package io.enhance.worker.submission;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.config.S3Config;
import io.enhance.worker.intake.SourceImage;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Turns a job's stored parameters into the body WaveSpeed gets: an {@code s3://} source becomes a presigned GET URL. */
@ApplicationScoped
class SourceUrls {

    private final S3Presigner presigner;
    private final S3Config s3;

    SourceUrls(S3Presigner presigner, S3Config s3) {
        this.presigner = presigner;
        this.s3 = s3;
    }

    Map<String, Object> submissionBody(Map<String, Object> input) {
        SourceImage source = SourceImage.of((String) input.get("image"));
        if (!source.inS3()) {
            return input;
        }
        Map<String, Object> body = new LinkedHashMap<>(input);
        body.put("image", presigner.presignGetObject(request -> request
                .signatureDuration(s3.sourceUrlExpiry())
                .getObjectRequest(get -> get.bucket(source.bucket()).key(source.key())))
                .url().toString());
        return body;
    }
}
