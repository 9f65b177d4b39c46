package io.enhance.worker.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.enhance.worker.config.ApiConfig;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Guards the operator endpoints, the job API ({@code /api/}) and the metrics ({@code /q/metrics}):
 * they answer only to {@code Authorization: Bearer <API_TOKEN>}, and not at all (404) when no token
 * is configured. The webhook endpoint checks signatures itself; the health probes stay open for
 * the orchestrator and show nothing but up, down and why.
 */
@ApplicationScoped
public class ProtectedEndpoints {

    /** Runs before any route, the metrics endpoint's included. */
    private static final int PRIORITY = 1_000;

    private final ApiConfig config;

    ProtectedEndpoints(ApiConfig config) {
        this.config = config;
    }

    void register(@Observes Filters filters) {
        filters.register(this::guard, PRIORITY);
    }

    private void guard(RoutingContext request) {
        String path = request.normalizedPath();
        if (!path.startsWith("/api/") && !path.equals("/q/metrics") && !path.startsWith("/q/metrics/")) {
            request.next();
        } else if (config.token().isEmpty()) {
            request.response().setStatusCode(404).end();
        } else if (!bearerMatches(request.request().getHeader(HttpHeaders.AUTHORIZATION), config.token().get())) {
            request.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer")
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end("{\"error\":\"a valid bearer token is required\"}");
        } else {
            request.next();
        }
    }

    /** Constant-time, so the answer time tells nothing about the token. */
    static boolean bearerMatches(String authorization, String token) {
        String scheme = "Bearer ";
        String given = authorization != null && authorization.regionMatches(true, 0, scheme, 0, scheme.length())
                ? authorization.substring(scheme.length()).trim() : "";
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }
}
