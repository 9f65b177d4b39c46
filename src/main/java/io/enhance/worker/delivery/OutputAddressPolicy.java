package io.enhance.worker.delivery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which output URLs the worker may download: {@code http} or {@code https} only, and never an
 * address inside the worker's own network (loopback, private, link-local such as the cloud
 * metadata service, unique-local, wildcard, multicast, or an IPv6 address that carries such an
 * IPv4 address: mapped, compatible, NAT64, 6to4, Teredo) unless its host name is explicitly allowed,
 * as the emulator's is for local runs. A URL that WaveSpeed reports must not turn the worker into a
 * way into its own network. The host is resolved once, and the caller connects to the address that
 * was checked, so a second DNS answer cannot point the download elsewhere.
 */
final class OutputAddressPolicy {

    /** Turns a host name into its addresses; a seam so tests can answer differently each time. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final Set<String> allowedPrivateHosts;
    private final Resolver resolver;

    OutputAddressPolicy(Set<String> allowedPrivateHosts) {
        this(allowedPrivateHosts, InetAddress::getAllByName);
    }

    OutputAddressPolicy(Set<String> allowedPrivateHosts, Resolver resolver) {
        this.allowedPrivateHosts = allowedPrivateHosts.stream().map(host -> host.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.resolver = resolver;
    }

    /**
     * Answers the address to connect to for {@code uri}, or throws a permanent delivery failure if it
     * may not be fetched; a name that does not resolve is transient.
     */
    InetAddress check(URI uri) throws DeliveryException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw DeliveryException.permanent("output_refused", "output URL scheme not allowed: " + uri.getScheme());
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            throw DeliveryException.permanent("output_refused", "output URL has no host");
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw DeliveryException.transientFailure("output host does not resolve: " + host, e);
        }
        if (addresses.length == 0) {
            throw DeliveryException.transientFailure("output host does not resolve: " + host, null);
        }
        if (allowedPrivateHosts.contains(host.toLowerCase(Locale.ROOT))) {
            return addresses[0];
        }
        for (InetAddress address : addresses) {
            if (isInternal(address)) {
                throw DeliveryException.permanent("output_refused", "output host " + host + " resolves to an internal address ("
                        + address.getHostAddress() + "); allow it in PIPELINE_OUTPUT_PRIVATE_HOSTS if it is meant");
            }
        }
        return addresses[0];
    }

    static boolean isInternal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress() || isUniqueLocal(address)
                || isCarrierGradeNat(address)) {
            return true;
        }
        return embeddedIpv4(address).stream().anyMatch(OutputAddressPolicy::isInternal);
    }

    /** IPv4 addresses an IPv6 address leads to: the NAT64 and 6to4 gateways, and Teredo, reach them. */
    static List<InetAddress> embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return List.of();
        }
        byte[] b = address.getAddress();
        if (startsWith(b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) && (b[10] == b[11]) && (b[10] == 0 || b[10] == (byte) 0xff)) {
            return List.of(ipv4(b[12], b[13], b[14], b[15])); // mapped or compatible
        }
        if (startsWith(b, 0x00, 0x64, 0xff, 0x9b) && startsWith(Arrays.copyOfRange(b, 4, 12), 0, 0, 0, 0, 0, 0, 0, 0)) {
            return List.of(ipv4(b[12], b[13], b[14], b[15])); // NAT64 64:ff9b::/96
        }
        if (startsWith(b, 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01)) {
            return List.of(ipv4(b[6], b[7], b[9], b[10])); // local NAT64 /48, RFC 6052 layout
        }
        if (startsWith(b, 0x20, 0x02)) {
            return List.of(ipv4(b[2], b[3], b[4], b[5])); // 6to4 2002::/16
        }
        if (startsWith(b, 0x20, 0x01, 0x00, 0x00)) { // Teredo: the server, and the client's address inverted
            return List.of(ipv4(b[4], b[5], b[6], b[7]), ipv4(~b[12], ~b[13], ~b[14], ~b[15]));
        }
        return List.of();
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress ipv4(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException("four bytes are always an IPv4 address", impossible);
        }
    }

    /** IPv6 fc00::/7, the private range that {@link InetAddress#isSiteLocalAddress} does not cover. */
    private static boolean isUniqueLocal(InetAddress address) {
        return address instanceof Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc;
    }

    /** 100.64.0.0/10, shared address space inside provider networks. */
    private static boolean isCarrierGradeNat(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == 4 && (bytes[0] & 0xff) == 100 && (bytes[1] & 0xc0) == 64;
    }
}
