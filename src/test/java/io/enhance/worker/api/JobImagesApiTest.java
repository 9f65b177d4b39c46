package io.enhance.worker.api;

import static io.enhance.worker.api.OperatorJobs.operator;
import static io.enhance.worker.testing.JobRequestBuilder.job;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A job's before and after: its source however it is stored, and its outputs from S3. */
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
        List<StoredOutput> outputs = QuarkusTransaction.requiringNew().call(() -> Job.findByJobId(jobId).orElseThrow().outputs);
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
    void redirectsToAnHttpSourceDecodesADataUriAndSaysWhenThereIsNone() {
        OperatorJobs.cancelled("web-" + run, null, "https://images.example.com/a.png?X-Amz-Signature=secret");
        operator().redirects().follow(false).get("/api/jobs/web-" + run + "/source").then().statusCode(302)
                .header("Location", "https://images.example.com/a.png?X-Amz-Signature=secret");

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
}
