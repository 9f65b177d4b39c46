package io.enhance.worker.api;

import static io.enhance.worker.api.OperatorJobs.operator;
import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A job's before and after: its source however it is stored (an http(s) one fetched by the worker under
 * the rules of output downloads, never a redirect), and its outputs from S3.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class JobImagesApiTest {

    @Inject
    QueuesConfig queues;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void streamsTheSourceAndEveryOutputOfACompletedJob() throws Exception {
        String jobId = "images-" + run + "/0";
        byte[] image = TestImages.card(24, 16, 5);
        String source = EmbeddedServices.s3().putSource("images-" + run + ".png", image);
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(jobId, source).bytes());
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(jobId).isEmpty());
        }
        List<StoredOutput> outputs = QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(jobId).orElseThrow().outputs);
        assertThat(outputs).isNotEmpty();

        byte[] served = operator().get("/api/jobs/" + jobId + "/source").then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertThat(served).isEqualTo(image);
        for (int i = 0; i < outputs.size(); i++) {
            StoredOutput output = outputs.get(i);
            byte[] enhanced = operator().get("/api/jobs/" + jobId + "/outputs/" + i).then().statusCode(200)
                    .contentType(output.contentType()).extract().asByteArray();
            assertThat(enhanced).isEqualTo(EmbeddedServices.s3().get(output.bucket(), output.key()));
        }
        operator().get("/api/jobs/" + jobId + "/outputs/" + outputs.size()).then().statusCode(404)
                .body("error", containsString(outputs.size() + " stored output(s)"));
        given().get("/api/jobs/" + jobId + "/outputs/0").then().statusCode(401);
    }

    @Test
    void streamsAnHttpSourceOnAnAllowedHostThroughTheWorkerInsteadOfRedirectingTheBrowserThere() throws IOException {
        byte[] image = TestImages.card(24, 16, 9);
        HttpServer publisher = publisherServing(Map.of("/in.png", image, "/page.html",
                "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8)));
        try {
            String base = "http://127.0.0.1:" + publisher.getAddress().getPort(); // allowed: PIPELINE_OUTPUT_PRIVATE_HOSTS
            OperatorJobs.cancelled("web-" + run, null, base + "/in.png?X-Amz-Signature=secret");
            var served = operator().redirects().follow(false).get("/api/jobs/web-" + run + "/source").then().statusCode(200)
                    .contentType("image/png").header("Location", nullValue()).header("X-Content-Type-Options", "nosniff")
                    .extract();
            assertThat(served.asByteArray()).isEqualTo(image);

            // whatever else a publisher's URL serves is not handed out under the worker's origin
            OperatorJobs.cancelled("page-" + run, null, base + "/page.html");
            operator().get("/api/jobs/page-" + run + "/source").then().statusCode(502).contentType("application/json")
                    .body("error", containsString("neither a JPEG nor a PNG"));
        } finally {
            publisher.stop(0);
        }
    }

    @Test
    void refusesASourceOnAnInternalAddressWithAJsonReasonAndFetchesNothing() throws IOException {
        HttpServer internal = publisherServing(Map.of("/in.png", TestImages.card(24, 16, 10)));
        try {
            // "localhost" is not allowed, only the name 127.0.0.1, so its loopback address is refused
            OperatorJobs.cancelled("internal-" + run, null, "http://localhost:" + internal.getAddress().getPort() + "/in.png");
            OperatorJobs.cancelled("metadata-" + run, null, "http://169.254.169.254/latest/in.png?X-Amz-Signature=secret");
            for (String job : List.of("internal-" + run, "metadata-" + run)) {
                String reason = operator().redirects().follow(false).get("/api/jobs/" + job + "/source").then()
                        .statusCode(403).contentType("application/json").header("Location", nullValue())
                        .body("error", containsString("internal address")).extract().path("error");
                assertThat(reason).contains("PIPELINE_OUTPUT_PRIVATE_HOSTS").doesNotContain("secret");
            }
        } finally {
            internal.stop(0);
        }
    }

    @Test
    void decodesADataUriAndSaysWhenThereIsNoSource() {
        byte[] image = TestImages.card(40, 40, 6);
        String dataUri = "data:image/png;base64," + Base64.getEncoder().encodeToString(image);
        OperatorJobs.cancelled("inline-" + run, null, dataUri);
        assertThat(operator().get("/api/jobs/inline-" + run + "/source").then().statusCode(200).contentType("image/png")
                .extract().asByteArray()).isEqualTo(image);
        operator().get("/api/jobs/inline-" + run).then().statusCode(200)
                .body("source", equalTo("(data URI, " + dataUri.length() + " bytes)"));

        OperatorJobs.cancelled("gone-" + run, null, "s3://sources/gone-" + run + ".png");
        operator().get("/api/jobs/gone-" + run + "/source").then().statusCode(404).body("error", containsString("not in S3"));
        operator().get("/api/jobs/no-such-" + run + "/source").then().statusCode(404).body("error", containsString("no job"));
        operator().get("/api/jobs/gone-" + run + "/outputs/0").then().statusCode(404)
                .body("error", containsString("0 stored output(s)"));
    }

    /** A publisher's web server on 127.0.0.1, serving {@code files} by path. */
    private static HttpServer publisherServing(Map<String, byte[]> files) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = files.get(exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        return server;
    }
}
