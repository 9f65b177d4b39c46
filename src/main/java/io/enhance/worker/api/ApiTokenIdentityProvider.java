package io.enhance.worker.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.config.ApiConfig;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Turns the one configured API token into the {@value #ROLE} identity; any other token fails. */
@ApplicationScoped
public class ApiTokenIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

    /** The role every protected path requires ({@code quarkus.http.auth.policy.operator}). */
    public static final String ROLE = "operator";

    private final ApiConfig config;

    ApiTokenIdentityProvider(ApiConfig config) {
        this.config = config;
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request, AuthenticationRequestContext context) {
        String given = request.getToken().getToken();
        if (config.token().isEmpty() || !matches(given, config.token().get())) {
            // the message reaches no client and no log line carries the token
            return Uni.createFrom().failure(new AuthenticationFailedException("wrong API token"));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(ROLE)).addRole(ROLE).build());
    }

    /** Constant-time, so the answer time tells nothing about the token. */
    public static boolean matches(String given, String token) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }
}
