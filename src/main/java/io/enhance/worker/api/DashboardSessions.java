package io.enhance.worker.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.config.ApiConfig;

/**
 * The dashboard's sign-ins, kept in PostgreSQL ({@code dashboard_sessions}) so that every worker behind a
 * load balancer knows them and a sign-out or expiry ends one everywhere. The browser's cookie carries
 * a random session id, never the API token; the table keeps only the id's SHA-256. Each session has a
 * CSRF token of its own, which the page hands its script ({@link SessionCsrfPolicy}).
 */
@ApplicationScoped
public class DashboardSessions {

    /** The HttpOnly cookie that carries the session id. */
    public static final String COOKIE = "enhance_session";

    /** Identity attributes of a browser signed in with the cookie (a bearer client has neither). */
    public static final String SESSION_ID = "enhance.session-id";
    public static final String CSRF_TOKEN = "enhance.csrf-token";

    /** A sign-in is looked up on every request of the dashboard; it must answer quickly or not at all. */
    private static final int QUERY_TIMEOUT_SECONDS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new sign-in: the id for the cookie, and the CSRF token for the page. */
    public record Session(String id, String csrfToken) {
    }

    private final DataSource dataSource;
    private final ApiConfig config;

    DashboardSessions(DataSource dataSource, ApiConfig config) {
        this.dataSource = dataSource;
        this.config = config;
    }

    /** How long a sign-in lasts ({@code API_SESSION_LIFETIME}), also the cookie's Max-Age. */
    public Duration lifetime() {
        return config.sessionLifetime();
    }

    public Session open() {
        Session session = new Session(randomToken(), randomToken());
        update("""
                insert into dashboard_sessions (id_sha256, csrf_token, created_at, expires_at)
                values (?, ?, now(), now() + ?::interval)""",
                sha256(session.id()), session.csrfToken(), lifetime().toMillis() + " milliseconds");
        return session;
    }

    /** The CSRF token of the session, if it exists and has not expired. */
    Optional<String> csrfToken(String sessionId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "select csrf_token from dashboard_sessions where id_sha256 = ? and expires_at > now()")) {
            query.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            query.setString(1, sha256(sessionId));
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("dashboard sessions cannot be read: " + e.getMessage(), e);
        }
    }

    public void close(String sessionId) {
        update("delete from dashboard_sessions where id_sha256 = ?", sha256(sessionId));
    }

    private void update(String sql, String... parameters) {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("dashboard sessions cannot be written: " + e.getMessage(), e);
        }
    }

    /** 256 random bits, URL-safe. */
    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
