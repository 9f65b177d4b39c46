package io.enhance.worker.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Without API_TOKEN the job API, the dashboard (its login form too) and the metrics are off: 404, whatever token a
 * caller sends; health stays open.
 */
@QuarkusTest
@TestProfile(ApiOffWithoutTokenTest.NoApiToken.class)
@QuarkusTestResource(EmbeddedServices.class)
class ApiOffWithoutTokenTest {

    public static class NoApiToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("api.token", "");
        }
    }

    @Test
    void answers404ToTheJobApiTheDashboardAndTheMetricsWithOrWithoutAToken() {
        for (String path : new String[] {"/api/jobs/any-job", "/q/metrics", "/api;a/jobs/any-job", "/dashboard",
                "/dashboard/login"}) {
            given().get(path).then().statusCode(404).body("error", containsString("off without API_TOKEN"));
            given().header("Authorization", "Bearer test-admin-token").get(path).then().statusCode(404);
            given().header("Authorization", "Bearer ").get(path).then().statusCode(404);
            given().accept("text/html").cookie("enhance_session", "any-session").get(path).then().statusCode(404);
        }
        given().formParam("token", "test-admin-token").post("/dashboard/login").then().statusCode(404);
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
