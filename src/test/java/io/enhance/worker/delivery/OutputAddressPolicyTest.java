package io.enhance.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** Output downloads reach only the public internet, except hosts explicitly allowed. */
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
}
