package io.enhance.worker.api;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Turns the dashboard's session cookie into the {@value ApiTokenIdentityProvider#ROLE} identity while
 * the session lasts, carrying the session's id and CSRF token for sign-out and {@link SessionCsrfPolicy}.
 */
@ApplicationScoped
public class SessionIdentityProvider implements IdentityProvider<SessionIdentityProvider.SessionCookie> {

    /** The session id a browser's cookie carries, for {@link ApiTokenMechanism} to hand over. */
    public static final class SessionCookie extends BaseAuthenticationRequest {

        final String sessionId;

        SessionCookie(String sessionId) {
            this.sessionId = sessionId;
        }
    }

    private final DashboardSessions sessions;

    SessionIdentityProvider(DashboardSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public Class<SessionCookie> getRequestType() {
        return SessionCookie.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(SessionCookie request, AuthenticationRequestContext context) {
        // a database read: off the event loop
        return context.runBlocking(() -> sessions.csrfToken(request.sessionId)
                .map(csrfToken -> (SecurityIdentity) QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(ApiTokenIdentityProvider.ROLE))
                        .addRole(ApiTokenIdentityProvider.ROLE)
                        .addAttribute(DashboardSessions.SESSION_ID, request.sessionId)
                        .addAttribute(DashboardSessions.CSRF_TOKEN, csrfToken).build())
                .orElseThrow(() -> new AuthenticationFailedException("no such dashboard session, or it expired")));
    }
}
