package io.enhance.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.jobs.JobClaims;
import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The worker starts with a former setting name set, and the renamed setting takes its value. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
@TestProfile(FormerSettingNamesInTheWorkerTest.FormerNames.class)
class FormerSettingNamesInTheWorkerTest {

    public static class FormerNames implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pipeline.enabled", "false", "pipeline.batch-size", "37", "retention.batch-size", "43");
        }
    }

    @Inject
    JobClaims claims;

    @Inject
    RetentionConfig retention;

    @Test
    void theFormerNamesSetTheClaimSizeAndTheRowsPerPurge() {
        assertThat(claims.claimSize()).isEqualTo(37);
        assertThat(retention.rowsPerPurge()).isEqualTo(43);
    }
}
