package io.enhance.worker.dashboard;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * A browser that signed in through the dashboard's form: its session cookie, and the CSRF token the
 * page hands its script, which the script sends with every request that changes something.
 */
record SignedInBrowser(String sessionId, String csrfToken, Response login) {

    static final String TOKEN = "test-admin-token";
    static final String COOKIE = "enhance_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Pattern CSRF_META = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\">");

    static SignedInBrowser signIn() {
        return signIn(given());
    }

    /** Signs in with {@code request} (extra headers, say), then reads the CSRF token from the page. */
    static SignedInBrowser signIn(RequestSpecification request) {
        Response login = request.redirects().follow(false).formParam("token", TOKEN).post("/dashboard/login");
        assertThat(login.statusCode()).as("sign-in").isEqualTo(303);
        String sessionId = login.getCookie(COOKIE);
        assertThat(sessionId).as("session cookie").isNotBlank();
        String page = given().cookie(COOKIE, sessionId).accept("text/html").get("/dashboard").then().statusCode(200)
                .extract().asString();
        Matcher meta = CSRF_META.matcher(page);
        assertThat(meta.find()).as("the page carries a CSRF token for its script").isTrue();
        return new SignedInBrowser(sessionId, meta.group(1), login);
    }

    /** The session cookie alone, as a page on a sibling subdomain (the same site, so SameSite lets it through) can have the browser send it. */
    RequestSpecification cookieOnly() {
        return given().redirects().follow(false).cookie(COOKIE, sessionId);
    }

    /** A request as the dashboard's script sends it: the cookie and the CSRF token. */
    RequestSpecification script() {
        return cookieOnly().header(CSRF_HEADER, csrfToken);
    }
}
