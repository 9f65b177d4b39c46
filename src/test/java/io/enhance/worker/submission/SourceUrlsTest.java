package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.enhance.worker.intake.SourceImage;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Which S3 errors on a source to upload end its job at once, and which are worth another try. */
class SourceUrlsTest {

    private static final SourceImage SOURCE = SourceImage.of("s3://sources/a/photo.png");

    @Test
    void treatsAMissingKeyOrBucketAndADeniedAccessAsAnUnavailableSource() {
        for (String code : new String[] {"NoSuchKey:404", "NoSuchBucket:404", "AccessDenied:403"}) {
            RuntimeException classified = SourceUrls.classified(SOURCE, error(code.split(":")[0],
                    Integer.parseInt(code.split(":")[1])));

            assertThat(classified).as(code).isInstanceOf(SourceUnavailableException.class)
                    .hasMessage("source s3://sources/a/photo.png cannot be read: " + code.replace(":", " (") + ")");
        }
    }

    @Test
    void leavesThrottlingAndServerErrorsToBeRetried() {
        for (String code : new String[] {"SlowDown:503", "InternalError:500"}) {
            S3Exception error = error(code.split(":")[0], Integer.parseInt(code.split(":")[1]));

            assertThat(SourceUrls.classified(SOURCE, error)).as(code).isSameAs(error);
        }
    }

    private static S3Exception error(String code, int status) {
        return (S3Exception) S3Exception.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }
}
