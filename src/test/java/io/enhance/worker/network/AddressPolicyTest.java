package io.enhance.worker.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** What leads inside the worker's own network, by address, and by a host's spelling alone. */
class AddressPolicyTest {

    private final AddressPolicy publicOnly = new AddressPolicy(Set.of(), "SOME_PRIVATE_HOSTS", InetAddress::getAllByName);

    @Test
    void judgesAnIpv6AddressByTheIpv4AddressItCarries() throws Exception {
        for (String internal : List.of("::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::a00:1", "64:ff9b::7f00:1",
                "64:ff9b:1:a9fe:a9:fe00::", "2002:a9fe:a9fe::1", "2002:c0a8:101::", "2001:0:4136:e378:8000:63bf:80ff:fffe",
                "2001:0:a00:1::1")) {
            assertThat(AddressPolicy.isInternal(InetAddress.getByName(internal))).as(internal).isTrue();
        }
        for (String external : List.of("64:ff9b::5db8:d822", "2002:5db8:d822::1", "2001:0:4136:e378:8000:63bf:a247:2ddd",
                "2606:4700::6810:84e5")) {
            assertThat(AddressPolicy.isInternal(InetAddress.getByName(external))).as(external).isFalse();
        }
    }

    @Test
    void refusesByItsSpellingAHostThatCannotBeOnThePublicInternet() {
        for (String host : List.of("127.0.0.1", "10.1.2.3", "192.168.1.1", "169.254.169.254", "100.64.0.7", "0.0.0.0",
                "[::1]", "[fd12:3456::1]", "[::ffff:10.0.0.1]", "localhost", "LocalHost.", "api.localhost",
                "printer.local", "metadata.google.internal", "router.home.arpa", "minio", "127.1", "0x7f.0.0.1",
                "2130706433", "1.2.3.04")) {
            assertThat(publicOnly.refusalByName(host)).as(host).hasValueSatisfying(
                    why -> assertThat(why).startsWith("host " + host + " is ").endsWith("allow it in SOME_PRIVATE_HOSTS if it is meant"));
        }
    }

    @Test
    void letsPublicNamesAndAddressesAndExplicitlyAllowedHostsThroughWithoutAskingDns() {
        AddressPolicy noDns = new AddressPolicy(Set.of("127.0.0.1", "minio"), "SOME_PRIVATE_HOSTS", host -> {
            throw new AssertionError("asked DNS for " + host);
        });
        for (String host : List.of("images.example.com", "93.184.216.34", "[2606:4700::6810:84e5]", "s3.eu-west-1.amazonaws.com",
                "127.0.0.1", "minio")) {
            assertThat(noDns.refusalByName(host)).as(host).isEmpty();
        }
    }
}
