package io.enhance.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.enhance.worker.testing.TestImages;

/** Output downloads reach only the public internet, except hosts explicitly allowed, and stop at the size cap. */
class OutputAddressPolicyTest {

    private final OutputAddressPolicy publicOnly = new OutputAddressPolicy(Set.of());

    @Test
    void refusesOtherSchemesAndEveryInternalAddress() {
        for (String url : List.of("file:///etc/passwd", "ftp://example.com/a.png", "gopher://example.com/",
                "http://127.0.0.1/a.png", "http://localhost/a.png", "http://10.1.2.3/a.png", "http://172.16.0.9/a.png",
                "http://192.168.1.1/a.png", "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/a.png",
                "http://[::1]/a.png", "http://[fd12:3456::1]/a.png", "http://[fe80::1]/a.png", "http://100.64.0.7/a.png",
                "http://224.0.0.1/a.png")) {
            assertThatThrownBy(() -> publicOnly.check(URI.create(url))).as(url)
                    .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.code).isEqualTo("output_refused"));
        }
    }

    @Test
    void letsPublicAddressesAndExplicitlyAllowedHostsThrough() {
        assertThatCode(() -> publicOnly.check(URI.create("https://93.184.216.34/out.jpeg"))).doesNotThrowAnyException();
        assertThatCode(() -> new OutputAddressPolicy(Set.of("127.0.0.1")).check(URI.create("http://127.0.0.1:8089/o.png")))
                .doesNotThrowAnyException();
    }

    @Test
    void refusesARedirectFromAnAllowedHostToAnInternalOne() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        int port = server.getAddress().getPort();
        server.createContext("/out.png", exchange -> {
            exchange.getResponseHeaders().set("Location", "http://localhost:" + port + "/internal.png");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.createContext("/internal.png", exchange -> answer(exchange, TestImages.card(8, 8, 1)));
        server.start();
        try {
            OutputFetcher fetcher = new OutputFetcher(1_000_000, new OutputAddressPolicy(Set.of("127.0.0.1")));

            assertThatCode(() -> fetcher.fetch("http://127.0.0.1:" + port + "/internal.png", false).file().toFile().delete())
                    .doesNotThrowAnyException();
            assertThatThrownBy(() -> fetcher.fetch("http://127.0.0.1:" + port + "/out.png", false))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.code).isEqualTo("output_refused"));
            assertThatThrownBy(() -> new OutputFetcher(100, new OutputAddressPolicy(Set.of("127.0.0.1")))
                    .fetch("http://127.0.0.1:" + port + "/internal.png", false))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.code).isEqualTo("output_invalid"));
        } finally {
            server.stop(0);
        }
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, byte[] body) throws IOException {
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
