package io.enhance.worker.api;

import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * A request that a browser's session cookie authenticates, and that may change something (any method but
 * GET, HEAD and OPTIONS), must carry the session's CSRF token in {@value #HEADER}, which only the
 * dashboard's own page can read: SameSite alone would let a page on a sibling subdomain post with the
 * cookie. Without it the answer is 403 with a JSON reason, and nothing is done. Bearer clients send no
 * cookie and are not asked. A global policy (it has no name), so Quarkus applies it to every path
 * besides the permissions of {@code application.properties}.
 */
@ApplicationScoped
public class SessionCsrfPolicy implements HttpSecurityPolicy {

    /** The header the dashboard's script sends the CSRF token in. */
    public static final String HEADER = "X-CSRF-Token";

    private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
    /** Marks a request refused here, so that the refusal gets its reason. */
    private static final String REFUSED = "enhance.csrf-refused";
    private static final String REASON = "{\"error\":\"a request the dashboard's session cookie authenticates must carry the"
            + " session's CSRF token in " + HEADER + "\"}";

    @Override
    public Uni<CheckResult> checkPermission(RoutingContext request, Uni<SecurityIdentity> identity,
            AuthorizationRequestContext context) {
        if (SAFE.contains(request.request().method())) {
            return CheckResult.permit();
        }
        return identity.map(caller -> {
            String expected = caller.getAttribute(DashboardSessions.CSRF_TOKEN);
            if (expected == null) { // not signed in with the cookie
                return CheckResult.PERMIT;
            }
            String given = request.request().getHeader(HEADER);
            if (given != null && ApiTokenIdentityProvider.matches(given, expected)) {
                return CheckResult.PERMIT;
            }
            request.put(REFUSED, true);
            return CheckResult.DENY;
        });
    }

    /** Quarkus answers a denied request with a bare 403; this one says what was missing. */
    void explainRefusals(@Observes Router router) {
        router.route().failureHandler(failed -> {
            if (failed.get(REFUSED) != null && !failed.response().ended()) {
                failed.response().setStatusCode(403).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(REASON);
            } else {
                failed.next();
            }
        });
    }
}
