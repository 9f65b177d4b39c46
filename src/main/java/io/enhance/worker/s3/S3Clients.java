package io.enhance.worker.s3;

import java.net.URI;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.enhance.worker.config.S3Config;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Builds the S3 client and presigner from {@link S3Config}; unset values fall back to the AWS SDK's chains.
 * Every call of the client has a deadline ({@code S3_CALL_TIMEOUT}, {@code S3_ATTEMPT_TIMEOUT}).
 */
@ApplicationScoped
public class S3Clients {

    @Produces
    @ApplicationScoped
    public S3Client s3Client(S3Config config) {
        var builder = S3Client.builder()
                // every call ends: a stalled store must not hold a delivery beyond its lease
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(config.connectTimeout())
                        .socketTimeout(config.attemptTimeout()))
                .overrideConfiguration(call -> call.apiCallTimeout(config.callTimeout())
                        .apiCallAttemptTimeout(config.attemptTimeout()))
                .credentialsProvider(credentials(config))
                .forcePathStyle(config.pathStyle())
                // The URL-connection client's handling of "Expect: 100-continue" fails now and then with
                // "Unexpected end of file from server"; outputs are small enough to send without it.
                .serviceConfiguration(S3Configuration.builder().expectContinueEnabled(false).build())
                // S3-compatible stores often lack the newer flexible checksums; send them only when S3 demands.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        config.endpoint().map(URI::create).ifPresent(builder::endpointOverride);
        config.region().map(Region::of).ifPresent(builder::region);
        return builder.build();
    }

    @Produces
    @ApplicationScoped
    S3Presigner presigner(S3Config config) {
        var builder = S3Presigner.builder()
                .credentialsProvider(credentials(config))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(config.pathStyle()).build());
        config.endpoint().map(URI::create).ifPresent(builder::endpointOverride);
        config.region().map(Region::of).ifPresent(builder::region);
        return builder.build();
    }

    void close(@Disposes S3Client client) {
        client.close();
    }

    void close(@Disposes S3Presigner presigner) {
        presigner.close();
    }

    private static AwsCredentialsProvider credentials(S3Config config) {
        if (config.accessKeyId().isPresent() && config.secretAccessKey().isPresent()) {
            return StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(config.accessKeyId().get(), config.secretAccessKey().get()));
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
