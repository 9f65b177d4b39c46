package io.enhance.worker.emulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

/** Routes requests to endpoints, checks the bearer token on /api calls and turns errors into JSON. */
final class EmulatorRouter implements HttpHandler {

    /** One endpoint's work on a call. */
    interface Endpoint {
        void handle(Call call) throws IOException;
    }

    private record Route(String method, Pattern path, Endpoint endpoint) {
    }

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-:\\[\\]]+");
    private static final String ID = "((?!delete$)[0-9A-Za-z_-]+)";

    private final List<Route> routes = new ArrayList<>();
    private final EmulatorSettings settings;
    private final Supplier<String> defaultBaseUrl;

    EmulatorRouter(EmulatorSettings settings, Supplier<String> defaultBaseUrl, PredictionEndpoints predictions,
                   MediaEndpoints media, LedgerEndpoints ledger) {
        this.settings = settings;
        this.defaultBaseUrl = defaultBaseUrl;
        add("POST", "/api/v3/" + PredictionEndpoints.MODEL, predictions::submit);
        add("POST", "/api/v3/predictions/delete", predictions::delete);
        add("POST", "/api/v3/predictions", predictions::history);
        add("GET", "/api/v3/predictions/" + ID + "/result", predictions::result);
        add("GET", "/api/v3/predictions/" + ID, predictions::result);
        add("DELETE", "/api/v3/predictions/" + ID, predictions::deleteOne);
        add("POST", "/api/v3/media/upload/binary", media::uploadBinary);
        add("POST", "/api/v3/media/uploads", media::reserveUpload);
        add("GET", "/api/v3/webhook/secret", call -> call.ok(Json.object().put("secret", settings.getWebhookSecret())));
        add("GET", "/api/v3/balance", call -> call.ok(Json.object().put("balance", 100.0)));
        add("GET", "/outputs/([0-9a-f]{32})/0\\.(jpeg|png)", media::getOutput);
        add("GET", "/media/([0-9a-f]{32})/([A-Za-z0-9_-][A-Za-z0-9._-]*)", media::getMedia);
        add("GET", "/emulator/slots", ledger::slots);
        add("GET", "/emulator/predictions", ledger::predictions);
        add("GET", "/emulator/deletes", ledger::deletes);
        add("PUT", "/media/([0-9a-f]{32})/([A-Za-z0-9_-][A-Za-z0-9._-]*)", media::putMedia);
    }

    private void add(String method, String path, Endpoint endpoint) {
        routes.add(new Route(method, Pattern.compile(path), endpoint));
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Call call = null;
        try {
            String path = exchange.getRequestURI().getRawPath();
            if (path.startsWith("/api/")) {
                authorize(exchange.getRequestHeaders().getFirst("Authorization"));
            }
            Set<String> allowed = new LinkedHashSet<>();
            for (Route route : routes) {
                Matcher matcher = route.path().matcher(path);
                if (!matcher.matches()) {
                    continue;
                }
                if (route.method().equals(exchange.getRequestMethod())) {
                    call = new Call(exchange, matcher, baseUrl(exchange));
                    route.endpoint().handle(call);
                    return;
                }
                allowed.add(route.method());
            }
            if (allowed.isEmpty()) {
                throw ApiException.notFound(notFoundMessage(path));
            }
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            throw new ApiException(405, "Method " + exchange.getRequestMethod() + " not allowed; use " + String.join(", ", allowed));
        } catch (DroppedConnection e) {
            // injected fault: closed below without a word
        } catch (ApiException e) {
            if (e.gateway()) {
                answerGatewayError(exchange, e);
            } else {
                answerError(exchange, call, e.status(), e.getMessage());
            }
        } catch (Exception e) {
            answerError(exchange, call, 500, "Internal server error: " + e.getClass().getSimpleName());
        } finally {
            if (call == null || !call.held()) {
                exchange.close();
            }
        }
    }

    private void authorize(String authorization) {
        String apiKey = settings.getApiKey();
        if (apiKey == null) {
            return;
        }
        String scheme = "bearer ";
        String token = authorization != null && authorization.regionMatches(true, 0, scheme, 0, scheme.length())
                ? authorization.substring(scheme.length()).trim() : "";
        byte[] expected = apiKey.getBytes(StandardCharsets.UTF_8);
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, given)) {
            throw new ApiException(401, "Invalid API key");
        }
    }

    private static String notFoundMessage(String path) {
        if (path.startsWith("/api/v3/predictions/")) {
            return "Prediction not found";
        }
        if (path.startsWith("/api/v3/") && path.chars().filter(c -> c == '/').count() >= 4) {
            return "Model not found: " + path.substring("/api/v3/".length());
        }
        return "Not found: " + path;
    }

    /** Absolute URLs in answers follow the Host the client used, so they work behind port mappings too. */
    private String baseUrl(HttpExchange exchange) {
        String host = exchange.getRequestHeaders().getFirst("Host");
        return host != null && HOST.matcher(host).matches() ? "http://" + host : defaultBaseUrl.get();
    }

    private static void answerGatewayError(HttpExchange exchange, ApiException error) {
        byte[] page = ("<html><body><h1>" + error.getMessage() + "</h1></body></html>").getBytes(StandardCharsets.UTF_8);
        try {
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            exchange.sendResponseHeaders(error.status(), page.length);
            exchange.getResponseBody().write(page);
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void answerError(HttpExchange exchange, Call call, int status, String message) {
        if (call != null && call.answered()) {
            return;
        }
        try {
            new Call(exchange, null, null).json(status, Json.error(status, message));
        } catch (IOException | RuntimeException e) {
            // the client went away
        }
    }
}
