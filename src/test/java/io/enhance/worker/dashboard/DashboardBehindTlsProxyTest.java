package io.enhance.worker.dashboard;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Behind a proxy that ends TLS, configured as the operator guide says, the session cookie is {@code Secure}:
 * the proxy's {@code X-Forwarded-Proto: https} says the browser used https.
 */
@QuarkusTest
@TestProfile(DashboardBehindTlsProxyTest.TrustedLocalProxy.class)
@QuarkusTestResource(EmbeddedServices.class)
class DashboardBehindTlsProxyTest {

    /** The test's requests come from 127.0.0.1, which plays the proxy. */
    public static class TrustedLocalProxy implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.proxy.proxy-address-forwarding", "true",
                    "quarkus.http.proxy.allow-x-forwarded", "true",
                    "quarkus.http.proxy.trusted-proxies", "127.0.0.1");
        }
    }

    @Test
    void theSessionCookieIsSecureWhenATrustedProxySaysTheBrowserCameOverHttps() {
        SignedInBrowser secure = SignedInBrowser.signIn(given().header("X-Forwarded-Proto", "https"));
        assertThat(secure.login().header("Set-Cookie")).containsIgnoringCase("Secure")
                .doesNotContain(SignedInBrowser.TOKEN);

        SignedInBrowser plain = SignedInBrowser.signIn();
        assertThat(plain.login().header("Set-Cookie")).doesNotContainIgnoringCase("Secure");
    }
}
