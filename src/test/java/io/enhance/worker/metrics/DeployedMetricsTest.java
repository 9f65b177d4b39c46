package io.enhance.worker.metrics;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.ScrapedMetrics;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestImages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The Grafana dashboard and the alert rules under deploy/ ask only for metrics a worker exports. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class DeployedMetricsTest {

    private static final Path DASHBOARD = Path.of("deploy/grafana/enhance-worker.json");
    private static final Path ALERTS = Path.of("deploy/prometheus/alerts.yaml");
    private static final Pattern METRIC = Pattern.compile("\\benhance_[a-z0-9_]+");

    @Inject
    QueuesConfig queues;

    @Test
    void everyMetricTheDashboardAndTheAlertRulesQueryIsExportedOnceJobsHaveRun() throws Exception {
        runJobs(2); // histograms and labelled counters have samples only once something happened

        Set<String> used = new TreeSet<>(metricsIn(dashboardQueries()));
        used.addAll(metricsIn(alertExpressions()));

        assertThat(used).contains("enhance_jobs", "enhance_queue_wait_seconds_bucket", "enhance_jobs_finished_total",
                "enhance_spend_today_usd", "enhance_event_relay_lag_seconds");
        assertThat(ScrapedMetrics.sampleNames()).containsAll(used);
    }

    @Test
    void theDashboardIsGrafanaJsonWhosePanelsEachQueryPrometheus() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());

        assertThat(dashboard.path("uid").asText()).isEqualTo("enhance-worker");
        List<JsonNode> charts = new ArrayList<>();
        dashboard.path("panels").forEach(panel -> {
            if (!"row".equals(panel.path("type").asText())) {
                charts.add(panel);
            }
        });
        assertThat(charts).hasSizeGreaterThan(10).allSatisfy(panel -> assertThat(panel.path("targets"))
                .as(panel.path("title").asText()).isNotEmpty()
                .allSatisfy(target -> assertThat(target.path("expr").asText()).contains("enhance_")));
    }

    private void runJobs(int count) throws Exception {
        String batch = "deployed-" + UUID.randomUUID().toString().substring(0, 8);
        String source = EmbeddedServices.s3().putSource(batch + ".png", TestImages.card(16, 16, 5));
        try (TestBroker broker = TestBroker.listeningTo(queues.eventsExchange())) {
            for (int i = 0; i < count; i++) {
                broker.publish(queues.requests(), job(batch + "/" + i, source).batch(batch).bytes());
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> broker.events().stream()
                    .filter(e -> e.data().path("batch_id").asText().equals(batch)).count() == count);
        }
    }

    private static List<String> dashboardQueries() throws IOException {
        List<String> queries = new ArrayList<>();
        new ObjectMapper().readTree(DASHBOARD.toFile()).path("panels")
                .forEach(panel -> panel.path("targets").forEach(target -> queries.add(target.path("expr").asText())));
        return queries;
    }

    private static List<String> alertExpressions() throws IOException {
        List<String> expressions = new ArrayList<>();
        new YAMLMapper().readTree(ALERTS.toFile()).path("groups")
                .forEach(group -> group.path("rules").forEach(rule -> expressions.add(rule.path("expr").asText())));
        assertThat(expressions).doesNotContain("");
        return expressions;
    }

    private static Set<String> metricsIn(List<String> queries) {
        Set<String> names = new TreeSet<>();
        for (String query : queries) {
            Matcher metric = METRIC.matcher(query);
            while (metric.find()) {
                names.add(metric.group());
            }
        }
        return names;
    }
}
