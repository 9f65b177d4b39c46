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
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads {@code Authorization: Bearer <API_TOKEN>} for Quarkus's HTTP security, which lets only the
 * paths opened in {@code application.properties} through without it. {@link ApiTokenIdentityProvider}
 * checks the token. The refusal is a JSON reason: 401 with {@code WWW-Authenticate: Bearer}, or
 * 404 when no token is configured, since the job API and the metrics are then off.
 */
@ApplicationScoped
public class ApiTokenMechanism implements HttpAuthenticationMechanism {

    private static final String SCHEME = "Bearer";

    private final ApiConfig config;

    ApiTokenMechanism(ApiConfig config) {
        this.config = config;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        Optional<String> token = bearerToken(context.request().getHeader(HttpHeaders.AUTHORIZATION));
        if (token.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        TokenAuthenticationRequest request = new TokenAuthenticationRequest(new TokenCredential(token.get(), SCHEME));
        // a wrong token counts as none: the open paths stay open, the others answer the challenge
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
        return Uni.createFrom().item(config.token().isPresent()
                ? new ChallengeData(401, "WWW-Authenticate", SCHEME)
                : new ChallengeData(404));
    }

    @Override
    public Uni<Boolean> sendChallenge(RoutingContext context) {
        return getChallenge(context).map(challenge -> {
            challenge.getHeaders().forEach(context.response().headers()::set);
            context.response().setStatusCode(challenge.status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(challenge.status == 404
                            ? "{\"error\":\"not found: the job API and the metrics are off without API_TOKEN\"}"
                            : "{\"error\":\"a valid bearer token is required\"}");
            return true;
        });
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, SCHEME));
    }
}
