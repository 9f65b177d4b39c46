package io.enhance.worker.api;

import static io.enhance.worker.api.OperatorJobs.operator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** {@code GET /api/jobs}: filters that combine, a cursor that walks every job once, and a 400 naming any bad parameter. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class JobListingApiTest {

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void aCursorWalksEveryMatchingJobExactlyOnceNewestFirst() {
        String batch = "list-" + run + "/b";
        List<String> stored = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String jobId = batch + "/" + i;
            if (i % 3 == 0) {
                OperatorJobs.failedAfterPaying(jobId, batch, "s3://sources/none.png");
            } else {
                OperatorJobs.cancelled(jobId, batch);
            }
            stored.add(0, jobId);
        }
        OperatorJobs.cancelled("list-" + run + "-elsewhere", "other-" + run);

        List<String> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = operator().queryParam("batch_id", batch).queryParam("limit", 3);
            JsonPath page = (cursor == null ? request : request.queryParam("cursor", cursor)).get("/api/jobs")
                    .then().statusCode(200).extract().jsonPath();
            walked.addAll(page.getList("jobs.job_id", String.class));
            cursor = page.getString("next_cursor");
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(walked).as("jobs of the batch, page after page").containsExactlyElementsOf(stored);
        assertThat(pages).isEqualTo(3);

        JsonPath failed = list("batch_id", batch, "status", "Failed");
        assertThat(failed.getList("jobs.job_id", String.class)).containsExactly(batch + "/6", batch + "/3", batch + "/0");
        assertThat(failed.getString("jobs[0].status")).isEqualTo("FAILED");
        assertThat(failed.getString("jobs[0].error.code")).isEqualTo("prediction_failed");
        assertThat(failed.getFloat("jobs[0].spend_usd")).isEqualTo(0.025f);
        assertThat(failed.getInt("jobs[0].attempts")).isEqualTo(1);
        assertThat(failed.getBoolean("jobs[0].has_outputs")).isFalse();
        assertThat(failed.getString("next_cursor")).isNull();

        assertThat(list("batch_id", batch, "status", "failed,cancelled").getList("jobs")).hasSize(7);
        assertThat(list("batch_id", batch, "status", "cancelled").getString("jobs[0].error")).isNull();
        assertThat(list("batch_id", batch, "error_code", "prediction_failed").getList("jobs")).hasSize(3);
        assertThat(list("batch_id", batch, "created_after", Instant.now().plusSeconds(60).toString()).getList("jobs")).isEmpty();
        assertThat(list("batch_id", batch, "created_before", Instant.now().plusSeconds(60).toString()).getList("jobs")).hasSize(7);
        assertThat(list("batch_id", batch, "created_before", "2000-01-01T00:00:00+02:00").getList("jobs")).isEmpty();
    }

    @Test
    void refusesEachBadParameterWithAReasonNamingIt() {
        String[][] bad = {
            {"status", "finished"}, {"limit", "0"}, {"limit", "201"}, {"limit", "ten"},
            {"created_after", "yesterday"}, {"created_before", "2024-05-01"}, {"cursor", "not-a-cursor"},
        };
        for (String[] parameter : bad) {
            operator().queryParam(parameter[0], parameter[1]).get("/api/jobs").then().statusCode(400)
                    .body("error", containsString(parameter[0] + ":"));
        }
        operator().queryParam("cursor", "bm90LW91cnM").get("/api/batches").then().statusCode(400)
                .body("error", containsString("cursor"));
        operator().queryParam("limit", "500").get("/api/batches").then().statusCode(400)
                .body("error", containsString("limit"));
        operator().queryParam("limit", "200").get("/api/jobs").then().statusCode(200).body("error", nullValue());
    }

    private static JsonPath list(String... parameters) {
        var request = operator();
        for (int i = 0; i < parameters.length; i += 2) {
            request = request.queryParam(parameters[i], parameters[i + 1]);
        }
        return request.get("/api/jobs").then().statusCode(200).extract().jsonPath();
    }
}
