package io.enhance.worker.api;

import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.config.ApiConfig;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads {@code Authorization: Bearer <API_TOKEN>}, or for a browser the session cookie that the
 * dashboard's login sets ({@link DashboardSessions#COOKIE}), for Quarkus's HTTP security, which lets only
 * the paths opened in {@code application.properties} through without one. {@link ApiTokenIdentityProvider}
 * checks the token, {@link SessionIdentityProvider} the session. The refusal is a JSON reason: 401 with
 * {@code WWW-Authenticate: Bearer}, or 404 when no token is configured, since the job API, the dashboard
 * and the metrics are then off. A browser opening a page ({@code GET}, {@code Accept: text/html}) is sent
 * to the login form instead of the 401.
 */
@ApplicationScoped
public class ApiTokenMechanism implements HttpAuthenticationMechanism {

    private static final String SCHEME = "Bearer";

    /** The 404 body of every protected path (and of the dashboard's login) while no token is configured. */
    public static final String OFF = "{\"error\":\"not found: the job API, the dashboard and the metrics are off without API_TOKEN\"}";

    /** Where a browser without a valid token is sent, the only dashboard path open to all. */
    public static final String LOGIN_PAGE = "/dashboard/login";

    private final ApiConfig config;

    ApiTokenMechanism(ApiConfig config) {
        this.config = config;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        Optional<String> token = bearerToken(context.request().getHeader(HttpHeaders.AUTHORIZATION));
        Cookie session = context.request().getCookie(DashboardSessions.COOKIE);
        AuthenticationRequest request;
        if (token.isPresent()) {
            request = new TokenAuthenticationRequest(new TokenCredential(token.get(), SCHEME));
        } else if (session != null && !session.getValue().isEmpty()) {
            request = new SessionIdentityProvider.SessionCookie(session.getValue());
        } else {
            return Uni.createFrom().nullItem();
        }
        // a wrong token or an ended session counts as none: the open paths stay open, the others answer the challenge
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(request, context))
                .onFailure(AuthenticationFailedException.class).recoverWithNull();
    }

    /** The token after a case-insensitive {@code Bearer } scheme, if the header has one. */
    static Optional<String> bearerToken(String authorization) {
        String prefix = SCHEME + " ";
        return authorization != null && authorization.regionMatches(true, 0, prefix, 0, prefix.length())
                ? Optional.of(authorization.substring(prefix.length()).trim())
                : Optional.empty();
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        if (config.token().isEmpty()) {
            return Uni.createFrom().item(new ChallengeData(404));
        }
        return Uni.createFrom().item(opensAPage(context)
                ? new ChallengeData(302, HttpHeaders.LOCATION.toString(), LOGIN_PAGE)
                : new ChallengeData(401, "WWW-Authenticate", SCHEME));
    }

    /** A browser navigating asks for HTML; API clients and the page's own fetches do not. */
    private static boolean opensAPage(RoutingContext context) {
        String accept = context.request().getHeader(HttpHeaders.ACCEPT);
        return context.request().method() == HttpMethod.GET && accept != null && accept.contains("text/html");
    }

    @Override
    public Uni<Boolean> sendChallenge(RoutingContext context) {
        return getChallenge(context).map(challenge -> {
            challenge.getHeaders().forEach(context.response().headers()::set);
            if (challenge.status == 302) {
                context.response().setStatusCode(302).end();
                return true;
            }
            context.response().setStatusCode(challenge.status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(challenge.status == 404 ? OFF : "{\"error\":\"a valid bearer token is required\"}");
            return true;
        });
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class, SessionIdentityProvider.SessionCookie.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, SCHEME));
    }
}
