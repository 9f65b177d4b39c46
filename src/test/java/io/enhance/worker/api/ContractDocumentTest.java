package io.enhance.worker.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.enhance.worker.testing.AsyncApiContract;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The worker serves its AsyncAPI document and the schemas it names, without the token: they hold no data. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class ContractDocumentTest {

    @Test
    void servesTheAsyncApiDocumentAsInTheRepositoryAndItParses() throws Exception {
        String served = given().get("/asyncapi.yaml").then().statusCode(200).extract().asString();

        assertThat(served).isEqualTo(Files.readString(AsyncApiContract.DOCUMENT));
        JsonNode document = new ObjectMapper(new YAMLFactory()).readTree(served);
        assertThat(document.path("asyncapi").asText()).isEqualTo("3.0.0");
        assertThat(document.path("channels").path("requests").path("address").asText()).isEqualTo("enhance.requests");
    }

    @Test
    void servesEachSchemaAtThePathOfItsId() throws Exception {
        Path schemas = AsyncApiContract.DOCUMENT.resolveSibling("schemas");
        try (var files = Files.walk(schemas)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                String path = "/schemas/" + schemas.relativize(file).toString().replace('\\', '/');
                JsonNode schema = new ObjectMapper().readTree(
                        given().get(path).then().statusCode(200).extract().asString());
                assertThat(schema.path("$id").asText()).as(path).endsWith(path);
                assertThat(schema.path("$schema").asText()).as(path).isEqualTo("https://json-schema.org/draft/2020-12/schema");
            }
        }
    }

    @Test
    void opensNothingBesideTheContract() {
        for (String path : List.of("/schemas/../q/metrics", "/schemas/..%2Fq/metrics", "/schemas/%2e%2e/q/metrics",
                "/schemas/..;/q/metrics", "/asyncapi.yaml/../q/metrics")) {
            var answer = given().urlEncodingEnabled(false).get(path);
            assertThat(answer.statusCode()).as(path).isIn(400, 401, 404);
            assertThat(answer.asString()).as(path).doesNotContain("# HELP");
        }
        given().post("/asyncapi.yaml").then().statusCode(401);
    }
}
