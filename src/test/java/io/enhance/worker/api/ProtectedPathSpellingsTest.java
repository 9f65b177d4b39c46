package io.enhance.worker.api;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Every path the application serves needs the bearer token, however it is spelled, except the
 * short list left open on purpose. The paths are discovered ({@link ApplicationRoutes}), so a
 * route added later is tried too; a real job exists first, so that a leak would show.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class ProtectedPathSpellingsTest {

    private static final String TOKEN = "test-admin-token";
    /**
     * The webhook, the probes, the API's description with Swagger UI (no data; see OpenApiDocumentTest) and the
     * dashboard's login form.
     */
    private static final Set<String> OPEN = Set.of("/webhooks/wavespeed", "/q/health", "/q/health/live", "/q/health/ready",
            "/q/openapi", "/q/openapi.json", "/q/openapi.yaml", "/q/openapi.yml", "/q/swagger-ui", "/dashboard/login");
    private static final Set<Integer> REFUSALS = Set.of(400, 401, 403, 404);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Inject
    QueuesConfig queues;

    @Inject
    ApplicationRoutes routes;

    @Test
    void noSpellingOfAProtectedPathAnswersWithoutTheToken() throws Exception {
        String jobId = "leak-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(jobId + ".png", TestImages.card(16, 16, 4));
        // finished before the probing, so that no work of this test is left running for the next one
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            broker.publish(queues.requests(), job(jobId, source).bytes());
            await().atMost(Duration.ofSeconds(60)).until(() -> !broker.eventsFor(jobId).isEmpty());
        }

        SortedSet<String> served = routes.paths(jobId);
        assertThat(served).as("discovered routes").contains("/api/jobs/" + jobId, "/api/batches/" + jobId + "/retry",
                "/q/metrics", "/dashboard").containsAll(OPEN);
        List<String> leaks = new ArrayList<>();
        int tried = 0;
        for (String path : served) {
            if (OPEN.contains(path)) {
                continue;
            }
            for (String spelling : PathSpellings.of(path)) {
                HttpResponse<String> answer = get(spelling, null);
                tried++;
                String body = answer.body();
                if (!REFUSALS.contains(answer.statusCode()) || body.contains(jobId) || body.contains("\"transitions\"")
                        || body.contains("# HELP")) {
                    leaks.add(spelling + " -> " + answer.statusCode() + " " + body.substring(0, Math.min(body.length(), 120)));
                }
            }
        }
        assertThat(leaks).as("answers to %d spellings of %s without a token", tried, served).isEmpty();
        assertThat(get("/api/jobs/" + jobId, TOKEN).body()).contains("\"job_id\":\"" + jobId + "\"", "\"transitions\"");
    }

    @Test
    void refusesWithABearerChallengeAndAJsonReasonAndServesThoseWithTheToken() throws Exception {
        HttpResponse<String> refused = get("/q/metrics", null);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        assertThat(refused.body()).isEqualTo("{\"error\":\"a valid bearer token is required\"}");
        assertThat(get("/q/metrics", "wrong-" + TOKEN).statusCode()).isEqualTo(401);

        assertThat(get("/q/metrics", TOKEN).body()).contains("# HELP");
        assertThat(get("/api/jobs/no-such-job", TOKEN).statusCode()).isEqualTo(404);
    }

    @Test
    void leavesTheHealthProbesAndTheWebhookOpen() throws Exception {
        for (String probe : List.of("/q/health", "/q/health/live", "/q/health/ready")) {
            for (String token : new String[] {null, "wrong-" + TOKEN}) {
                HttpResponse<String> health = get(probe, token);
                assertThat(health.statusCode()).as(probe).isIn(200, 503);
                assertThat(health.body()).as(probe).contains("\"status\"");
            }
        }

        HttpResponse<String> webhook = http.send(request("/webhooks/wavespeed", null)
                .header("webhook-id", "msg_unsigned").header("webhook-timestamp", "1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
        // the endpoint's own refusal: no bearer challenge, its own reason
        assertThat(webhook.statusCode()).isIn(401, 503);
        assertThat(webhook.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(webhook.body()).contains("webhook");
    }

    private HttpResponse<String> get(String rawPath, String token) throws Exception {
        return http.send(request(rawPath, token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The path goes out exactly as given: no client-side normalisation or encoding. */
    private static HttpRequest.Builder request(String rawPath, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + rawPath))
                .timeout(Duration.ofSeconds(10));
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }
}
