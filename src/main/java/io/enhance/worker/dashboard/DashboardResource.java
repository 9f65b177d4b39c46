package io.enhance.worker.dashboard;

import java.net.URI;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import io.enhance.worker.api.ApiTokenIdentityProvider;
import io.enhance.worker.api.ApiTokenMechanism;
import io.enhance.worker.api.DashboardSessions;
import io.enhance.worker.config.ApiConfig;
import io.enhance.worker.config.WaveSpeedConfig;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The operator dashboard: the page (behind the token, like the API it calls from the browser) and its
 * login, which checks the API token typed into a form and opens a session ({@link DashboardSessions}):
 * the HttpOnly {@code SameSite=Strict} cookie carries only the session id, which {@link ApiTokenMechanism}
 * reads, and the page hands its script the session's CSRF token. The login form is the one dashboard path
 * opened in {@code application.properties}; without API_TOKEN it answers 404 like the rest.
 */
@Path("/dashboard")
public class DashboardResource {

    private static final URI PAGE = URI.create("/dashboard");

    private final ApiConfig config;
    private final WaveSpeedConfig wavespeed;
    private final DashboardSessions sessions;
    private final SecurityIdentity caller;
    private final Template page;
    private final Template login;

    DashboardResource(ApiConfig config, WaveSpeedConfig wavespeed, DashboardSessions sessions, SecurityIdentity caller,
            @Location("dashboard/page.html") Template page, @Location("dashboard/login.html") Template login) {
        this.config = config;
        this.wavespeed = wavespeed;
        this.sessions = sessions;
        this.caller = caller;
        this.page = page;
        this.login = login;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    @RolesAllowed(ApiTokenIdentityProvider.ROLE)
    public String page() {
        // empty when the page was opened with a bearer token: such a caller needs no CSRF token
        String csrfToken = caller.getAttribute(DashboardSessions.CSRF_TOKEN);
        return page.data("csrfToken", csrfToken == null ? "" : csrfToken)
                .data("pricePerImage", wavespeed.pricePerImage().toPlainString()).render();
    }

    @GET
    @Path("/login")
    @Produces(MediaType.TEXT_HTML)
    @PermitAll
    public String loginForm() {
        requireToken();
        return login.data("error", null).render();
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    @PermitAll
    public Response logIn(@FormParam("token") String token, @Context UriInfo request) {
        String expected = requireToken();
        if (token == null || !ApiTokenIdentityProvider.matches(token.strip(), expected)) {
            return Response.status(Response.Status.UNAUTHORIZED)
                    .entity(login.data("error", "That is not the API token.").render()).build();
        }
        DashboardSessions.Session session = sessions.open();
        return Response.seeOther(PAGE)
                .cookie(sessionCookie(session.id(), request).maxAge((int) sessions.lifetime().toSeconds()).build()).build();
    }

    /** Ends the session on the server, so that no copy of the cookie opens anything any more. */
    @POST
    @Path("/logout")
    @RolesAllowed(ApiTokenIdentityProvider.ROLE)
    public Response logOut(@Context UriInfo request) {
        String sessionId = caller.getAttribute(DashboardSessions.SESSION_ID);
        if (sessionId != null) {
            sessions.close(sessionId);
        }
        // Max-Age 0 makes the browser drop the cookie
        return Response.seeOther(URI.create(ApiTokenMechanism.LOGIN_PAGE))
                .cookie(sessionCookie("", request).maxAge(0).build()).build();
    }

    /**
     * Secure when the browser came over https: the request's own scheme, or behind a proxy that ends TLS
     * the scheme it forwards, once {@code quarkus.http.proxy.*} trusts it (see the Dashboard in src/docs/operator-guide.md).
     */
    private static NewCookie.Builder sessionCookie(String value, UriInfo request) {
        return new NewCookie.Builder(DashboardSessions.COOKIE).value(value).path("/").httpOnly(true)
                .sameSite(NewCookie.SameSite.STRICT)
                .secure("https".equalsIgnoreCase(request.getRequestUri().getScheme()));
    }

    /** The configured token; without one the dashboard is off, as the API is. */
    private String requireToken() {
        return config.token().orElseThrow(() -> new WebApplicationException(Response.status(Response.Status.NOT_FOUND)
                .type(MediaType.APPLICATION_JSON).entity(ApiTokenMechanism.OFF).build()));
    }
}
