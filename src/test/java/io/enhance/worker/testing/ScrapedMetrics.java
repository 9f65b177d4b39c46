package io.enhance.worker.testing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The running test worker's {@code /q/metrics}, as Prometheus scrapes it (with the test API token). */
public final class ScrapedMetrics {

    private static final Pattern SAMPLE_NAME = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");

    private ScrapedMetrics() {
    }

    public static String text() {
        return given().header("Authorization", "Bearer test-admin-token").get("/q/metrics").then().statusCode(200)
                .extract().asString();
    }

    /** The value of the first sample whose name and labels match the regex {@code selector}; fails if there is none. */
    public static double value(String selector) {
        String text = text();
        Matcher sample = Pattern.compile("(?m)^" + selector + " ([0-9.eE+-]+)$").matcher(text);
        assertThat(sample.find()).as("metric %s in%n%s", selector, text).isTrue();
        return Double.parseDouble(sample.group(1));
    }

    /** The names of every sample exported, such as {@code enhance_queue_wait_seconds_bucket}. */
    public static Set<String> sampleNames() {
        Set<String> names = new TreeSet<>();
        Matcher sample = SAMPLE_NAME.matcher(text());
        while (sample.find()) {
            names.add(sample.group(1));
        }
        return names;
    }
}
