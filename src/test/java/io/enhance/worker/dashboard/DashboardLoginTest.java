package io.enhance.worker.dashboard;

import static io.enhance.worker.dashboard.SignedInBrowser.COOKIE;
import static io.enhance.worker.dashboard.SignedInBrowser.CSRF_HEADER;
import static io.enhance.worker.dashboard.SignedInBrowser.TOKEN;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * A browser signs in to the dashboard with the API token and from then on carries a session id, never
 * the token, in an HttpOnly, SameSite=Strict cookie, which opens the page, its assets and the API. What
 * the cookie asks to change needs the session's CSRF token too; sign-out ends the session on the server.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class DashboardLoginTest {

    private static final String HTML = "text/html,application/xhtml+xml,*/*;q=0.8";

    @Test
    void signingInSetsAnHttpOnlyStrictSessionCookieThatHoldsNoTokenAndOpensThePageItsAssetsAndTheApi() {
        given().accept(HTML).get("/dashboard/login").then().statusCode(200)
                .body(containsString("data-testid=\"login-form\""), not(containsString("login-error")));

        SignedInBrowser browser = SignedInBrowser.signIn();
        assertThat(browser.login().header("Location")).endsWith("/dashboard");
        String cookie = browser.login().header("Set-Cookie");
        assertThat(cookie).startsWith(COOKIE + "=" + browser.sessionId() + ";").doesNotContain(TOKEN)
                .containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict").containsIgnoringCase("Path=/")
                .as("plain http").doesNotContainIgnoringCase("Secure");
        assertThat(browser.sessionId()).isNotEqualTo(browser.csrfToken());

        browser.cookieOnly().accept(HTML).get("/dashboard").then().statusCode(200)
                .body(containsString("data-testid=\"batches\""), containsString("/dashboard/dashboard.js"));
        browser.cookieOnly().get("/dashboard/dashboard.js").then().statusCode(200).body(containsString("/api/overview"));
        browser.cookieOnly().get("/dashboard/dashboard.css").then().statusCode(200);
        browser.cookieOnly().get("/api/jobs/no-such-job").then().statusCode(404).body("error", containsString("no-such-job"));
    }

    @Test
    void aCookieAuthenticatedPostWithoutTheSessionsCsrfTokenIsRefusedAndChangesNothing() {
        SignedInBrowser browser = SignedInBrowser.signIn();
        SignedInBrowser other = SignedInBrowser.signIn();

        browser.cookieOnly().post("/api/submissions/pause").then().statusCode(403)
                .body("error", containsString(CSRF_HEADER));
        browser.cookieOnly().header(CSRF_HEADER, other.csrfToken()).post("/api/submissions/pause").then().statusCode(403);
        browser.cookieOnly().header(CSRF_HEADER, "").post("/api/submissions/pause").then().statusCode(403);
        browser.cookieOnly().get("/api/submissions").then().statusCode(200).body("paused_at", nullValue());

        try {
            browser.script().post("/api/submissions/pause").then().statusCode(200);
            browser.cookieOnly().get("/api/submissions").then().statusCode(200).body("paused_at", not(nullValue()));
        } finally {
            // a bearer client carries no cookie and needs no CSRF token
            given().header("Authorization", "Bearer " + TOKEN).post("/api/submissions/resume").then().statusCode(200);
        }
    }

    @Test
    void aBrowserWithoutOrWithAnUnknownCookieIsSentToTheLoginWhileApiClientsGetTheJson401() {
        for (String cookie : new String[] {null, "no-such-session", TOKEN, ""}) {
            var browser = given().redirects().follow(false).accept(HTML);
            var client = given().redirects().follow(false);
            if (cookie != null) {
                browser.cookie(COOKIE, cookie);
                client.cookie(COOKIE, cookie);
            }
            browser.get("/dashboard").then().statusCode(302).header("Location", "/dashboard/login");
            client.get("/dashboard").then().statusCode(401).header("WWW-Authenticate", "Bearer")
                    .body("error", equalTo("a valid bearer token is required"));
            client.get("/dashboard/dashboard.js").then().statusCode(401);
            client.get("/api/jobs/no-such-job").then().statusCode(401);
        }
        // the cookie of earlier versions held the token itself: it opens nothing now
        given().cookie("enhance_token", TOKEN).get("/api/jobs/no-such-job").then().statusCode(401);
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
    void signingOutEndsTheSessionSoTheOldCookieOpensNothingAnyMore() {
        SignedInBrowser browser = SignedInBrowser.signIn();
        browser.cookieOnly().post("/dashboard/logout").then().statusCode(403);
        browser.cookieOnly().get("/api/jobs/no-such-job").then().statusCode(404);

        Response logout = browser.script().post("/dashboard/logout");
        assertThat(logout.statusCode()).isEqualTo(303);
        assertThat(logout.header("Location")).endsWith("/dashboard/login");
        assertThat(logout.header("Set-Cookie")).startsWith(COOKIE + "=;").containsIgnoringCase("Max-Age=0");

        // a copy of the cookie kept elsewhere is worth nothing either
        browser.cookieOnly().get("/api/jobs/no-such-job").then().statusCode(401);
        browser.cookieOnly().accept(HTML).get("/dashboard").then().statusCode(302).header("Location", "/dashboard/login");
        browser.script().post("/api/submissions/pause").then().statusCode(401);
    }

    @Test
    void aForwardedProtoHeaderFromAClientThatIsNoTrustedProxyDoesNotMakeTheCookieSecure() {
        SignedInBrowser browser = SignedInBrowser.signIn(given().header("X-Forwarded-Proto", "https"));
        assertThat(browser.login().header("Set-Cookie")).doesNotContainIgnoringCase("Secure");
    }
}
