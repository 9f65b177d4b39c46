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
import io.enhance.worker.config.ApiConfig;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;

/**
 * The operator dashboard: the page (behind the token, like the API it calls from the browser) and its
 * login, which turns the API token typed into a form into an HttpOnly {@code SameSite=Strict} cookie
 * that {@link ApiTokenMechanism} reads. The login form is the one dashboard path opened in
 * {@code application.properties}; without API_TOKEN it answers 404 like the rest.
 */
@Path("/dashboard")
public class DashboardResource {

    private static final URI PAGE = URI.create("/dashboard");

    private final ApiConfig config;
    private final Template page;
    private final Template login;

    DashboardResource(ApiConfig config, @Location("dashboard/page.html") Template page,
            @Location("dashboard/login.html") Template login) {
        this.config = config;
        this.page = page;
        this.login = login;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    @RolesAllowed(ApiTokenIdentityProvider.ROLE)
    public String page() {
        return page.render();
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
        return Response.seeOther(PAGE).cookie(tokenCookie(token.strip(), request).build()).build();
    }

    @POST
    @Path("/logout")
    @RolesAllowed(ApiTokenIdentityProvider.ROLE)
    public Response logOut(@Context UriInfo request) {
        // Max-Age 0 makes the browser drop the cookie
        return Response.seeOther(URI.create(ApiTokenMechanism.LOGIN_PAGE))
                .cookie(tokenCookie("", request).maxAge(0).build()).build();
    }

    private static NewCookie.Builder tokenCookie(String value, UriInfo request) {
        return new NewCookie.Builder(ApiTokenMechanism.COOKIE).value(value).path("/").httpOnly(true)
                .sameSite(NewCookie.SameSite.STRICT)
                .secure("https".equalsIgnoreCase(request.getRequestUri().getScheme()));
    }

    /** The configured token; without one the dashboard is off, as the API is. */
    private String requireToken() {
        return config.token().orElseThrow(() -> new WebApplicationException(Response.status(Response.Status.NOT_FOUND)
                .type(MediaType.APPLICATION_JSON).entity(ApiTokenMechanism.OFF).build()));
    }
}
