package io.enhance.worker.testing;

import java.net.URI;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

/** A test's own S3 client: puts source images and reads back what the worker stored. */
public final class TestS3 {

    public static final String SOURCES_BUCKET = "sources";

    private final S3Client client;

    private TestS3(S3Client client) {
        this.client = client;
    }

    public static TestS3 connect(URI endpoint) {
        return new TestS3(S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                // as the worker's client (S3Clients): the URL-connection client's "Expect: 100-continue" fails now and
                // then with "Unexpected end of file from server", in a way no retry catches
                .serviceConfiguration(S3Configuration.builder().expectContinueEnabled(false).build())
                // S3Proxy may close a kept-alive connection the JDK's pool still hands out: enough tries to get past them
                .overrideConfiguration(override -> override.retryStrategy(retry -> retry.maxAttempts(8)))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedServices.S3_ACCESS_KEY, EmbeddedServices.S3_SECRET_KEY)))
                .build());
    }

    public TestS3 createBuckets(String... buckets) {
        for (String bucket : buckets) {
            client.createBucket(request -> request.bucket(bucket));
        }
        return this;
    }

    /** Stores a source image and returns its {@code s3://} reference. */
    public String putSource(String key, byte[] bytes) {
        client.putObject(request -> request.bucket(SOURCES_BUCKET).key(key).contentType("image/png"),
                RequestBody.fromBytes(bytes));
        return "s3://" + SOURCES_BUCKET + "/" + key;
    }

    /** The keys under {@code prefix}. */
    public java.util.List<String> keys(String bucket, String prefix) {
        return client.listObjectsV2Paginator(list -> list.bucket(bucket).prefix(prefix)).contents().stream()
                .map(software.amazon.awssdk.services.s3.model.S3Object::key).toList();
    }

    public void delete(String bucket, String key) {
        client.deleteObject(request -> request.bucket(bucket).key(key));
    }

    public byte[] get(String bucket, String key) {
        return client.getObjectAsBytes(request -> request.bucket(bucket).key(key)).asByteArray();
    }
}
