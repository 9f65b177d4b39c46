package io.enhance.worker.intake;

import static io.restassured.RestAssured.get;
import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** A database that answers but whose jobs table cannot be read does not make the worker ready. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class JobStoreReadinessTest {

    @Inject
    EntityManager entityManager;

    @Test
    void readinessIsDownNamingTheJobsTableWhileItCannotBeRead() {
        JsonPath before = get("/q/health/ready").then().extract().jsonPath();
        assertThat(before.getString("checks.find { it.name == 'job-store' }.status")).isEqualTo("UP");

        renameJobsTable("jobs", "jobs_away");
        JsonPath during;
        try {
            during = get("/q/health/ready").then().statusCode(503).extract().jsonPath();
        } finally {
            renameJobsTable("jobs_away", "jobs");
        }

        assertThat(during.getString("checks.find { it.name == 'job-store' }.status")).isEqualTo("DOWN");
        assertThat(during.getString("checks.find { it.name == 'job-store' }.data.reason"))
                .startsWith("jobs cannot be stored").contains("\"jobs\"");
        assertThat(get("/q/health/ready").then().extract().jsonPath()
                .getString("checks.find { it.name == 'job-store' }.status")).isEqualTo("UP");
    }

    private void renameJobsTable(String from, String to) {
        QuarkusTransaction.requiringNew().run(() ->
                entityManager.createNativeQuery("alter table " + from + " rename to " + to).executeUpdate());
    }
}
