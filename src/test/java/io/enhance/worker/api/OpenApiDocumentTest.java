package io.enhance.worker.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * The OpenAPI document describes every {@code /api} path the code serves, each operation behind the
 * bearer scheme it declares; it and Swagger UI load without the token, so that "Authorize" can be used.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class OpenApiDocumentTest {

    private static final String PARAMETER = "{}";

    @Inject
    ApplicationRoutes routes;

    @Test
    void listsEveryApiPathTheCodeServesEachBehindTheDeclaredBearerScheme() {
        JsonPath document = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();

        Map<String, Map<String, Object>> paths = new TreeMap<>(document.getMap("paths"));
        // the webhook is described too, open: WaveSpeed signs its calls instead
        paths.keySet().removeIf(path -> !path.startsWith("/api/"));
        Set<String> described = new TreeSet<>();
        paths.keySet().forEach(path -> described.add(path.replaceAll("\\{[^}]*}", PARAMETER)));
        Set<String> served = new TreeSet<>(routes.paths(PARAMETER).stream().filter(path -> path.startsWith("/api/")).toList());
        assertThat(served).as("served /api paths").contains("/api/jobs", "/api/jobs/{}/cancel", "/api/batches/{}/retry");
        assertThat(described).as("paths in the OpenAPI document").isEqualTo(served);

        assertThat(document.getString("components.securitySchemes.api_token.type")).isEqualTo("http");
        assertThat(document.getString("components.securitySchemes.api_token.scheme")).isEqualTo("bearer");
        List<String> unsecured = new ArrayList<>();
        paths.forEach((path, operations) -> operations.forEach((method, operation) -> {
            Object security = ((Map<?, ?>) operation).get("security");
            if (security == null || !security.toString().contains("api_token")) {
                unsecured.add(method + " " + path);
            }
            if (((Map<?, ?>) operation).get("summary") == null) {
                unsecured.add(method + " " + path + " (no summary)");
            }
        }));
        assertThat(unsecured).as("operations without the bearer requirement or a summary").isEmpty();
        assertThat(document.getString("paths.'/api/jobs'.get.parameters.find { it.name == 'status' }.in")).isEqualTo("query");
    }

    @Test
    void servesTheDocumentAndSwaggerUiWithoutTheTokenAndNothingElse() {
        for (String document : List.of("/q/openapi", "/q/openapi.json", "/q/openapi.yaml", "/q/openapi.yml")) {
            given().get(document).then().statusCode(200).body(containsString("/api/jobs"));
        }
        given().redirects().follow(true).get("/q/swagger-ui/").then().statusCode(200)
                .body(containsString("swagger-ui"));
        given().get("/api/overview").then().statusCode(401).body("error", equalTo("a valid bearer token is required"));
    }
}
