package io.enhance.worker.emulator;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;

/**
 * Plays a server whose keep-alive timeout is {@link EmulatorSettings#getIdleTimeoutMs()}: a request that
 * arrives on a connection idle for longer is dropped unanswered, as if the server had closed the
 * connection just as the client sent on it. Deterministic, unlike the real race.
 */
final class IdleConnections {

    /** Beyond this many remembered connections, those idle ten timeouts long (surely gone) are forgotten. */
    private static final int REMEMBERED = 10_000;

    private final EmulatorSettings settings;
    /** When each open connection (by the client's address and port) last finished an answer, in nanoseconds. */
    private final Map<InetSocketAddress, Long> lastAnswered = new ConcurrentHashMap<>();

    IdleConnections(EmulatorSettings settings) {
        this.settings = settings;
    }

    /** Throws {@link DroppedConnection} for a request on a connection idle past the timeout. */
    void arrived(HttpExchange exchange) {
        Long last = lastAnswered.remove(exchange.getRemoteAddress());
        long timeout = TimeUnit.MILLISECONDS.toNanos(settings.getIdleTimeoutMs());
        if (timeout > 0 && last != null && System.nanoTime() - last > timeout) {
            throw new DroppedConnection();
        }
    }

    /** The connection is idle from now on (unless it was dropped). */
    void answered(HttpExchange exchange) {
        long timeout = TimeUnit.MILLISECONDS.toNanos(settings.getIdleTimeoutMs());
        if (timeout == 0) {
            return;
        }
        long now = System.nanoTime();
        if (lastAnswered.size() > REMEMBERED) {
            lastAnswered.values().removeIf(last -> now - last > 10 * timeout);
        }
        lastAnswered.put(exchange.getRemoteAddress(), now);
    }
}
