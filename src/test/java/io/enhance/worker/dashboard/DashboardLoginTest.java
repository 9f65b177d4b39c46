package io.enhance.worker.dashboard;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * A browser signs in to the dashboard with the API token and from then on carries it in an HttpOnly,
 * SameSite=Strict cookie, which opens the page, its assets and the API; without it a page request is
 * sent to the login form and an API call gets the JSON 401.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class DashboardLoginTest {

    private static final String TOKEN = "test-admin-token";
    private static final String HTML = "text/html,application/xhtml+xml,*/*;q=0.8";

    @Test
    void signingInWithTheTokenSetsAnHttpOnlyStrictCookieThatOpensThePageItsAssetsAndTheApi() {
        given().accept(HTML).get("/dashboard/login").then().statusCode(200)
                .body(containsString("data-testid=\"login-form\""), not(containsString("login-error")));

        Response login = given().redirects().follow(false).formParam("token", TOKEN).post("/dashboard/login");
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.header("Location")).endsWith("/dashboard");
        String cookie = login.header("Set-Cookie");
        assertThat(cookie).startsWith("enhance_token=" + TOKEN + ";").containsIgnoringCase("HttpOnly")
                .containsIgnoringCase("SameSite=Strict").containsIgnoringCase("Path=/")
                .as("plain http").doesNotContainIgnoringCase("Secure");

        given().accept(HTML).cookie("enhance_token", TOKEN).get("/dashboard").then().statusCode(200)
                .body(containsString("data-testid=\"batches\""), containsString("/dashboard/dashboard.js"));
        given().cookie("enhance_token", TOKEN).get("/dashboard/dashboard.js").then().statusCode(200)
                .body(containsString("/api/overview"));
        given().cookie("enhance_token", TOKEN).get("/dashboard/dashboard.css").then().statusCode(200);
        given().cookie("enhance_token", TOKEN).get("/api/jobs/no-such-job").then().statusCode(404)
                .body("error", containsString("no-such-job"));
    }

    @Test
    void aBrowserWithoutOrWithAWrongCookieIsSentToTheLoginWhileApiClientsGetTheJson401() {
        for (String cookie : new String[] {null, "wrong-" + TOKEN, ""}) {
            var browser = given().redirects().follow(false).accept(HTML);
            var client = given().redirects().follow(false);
            if (cookie != null) {
                browser.cookie("enhance_token", cookie);
                client.cookie("enhance_token", cookie);
            }
            browser.get("/dashboard").then().statusCode(302).header("Location", "/dashboard/login");
            client.get("/dashboard").then().statusCode(401).header("WWW-Authenticate", "Bearer")
                    .body("error", equalTo("a valid bearer token is required"));
            client.get("/dashboard/dashboard.js").then().statusCode(401);
            client.get("/api/jobs/no-such-job").then().statusCode(401);
        }
    }

    @Test
    void aWrongTokenGivesTheFormAgainWithAnErrorAndNoCookie() {
        Response wrong = given().redirects().follow(false).formParam("token", "wrong-" + TOKEN).post("/dashboard/login");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.header("Set-Cookie")).isNull();
        assertThat(wrong.body().asString()).contains("data-testid=\"login-form\"", "data-testid=\"login-error\"")
                .doesNotContain("wrong-" + TOKEN);
        given().redirects().follow(false).formParam("token", "").post("/dashboard/login").then().statusCode(401);
    }

    @Test
    void signingOutClearsTheCookie() {
        Response logout = given().redirects().follow(false).cookie("enhance_token", TOKEN).post("/dashboard/logout");
        assertThat(logout.statusCode()).isEqualTo(303);
        assertThat(logout.header("Location")).endsWith("/dashboard/login");
        assertThat(logout.header("Set-Cookie")).startsWith("enhance_token=;").containsIgnoringCase("Max-Age=0");
    }
}
