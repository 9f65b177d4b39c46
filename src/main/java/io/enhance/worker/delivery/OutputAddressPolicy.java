package io.enhance.worker.delivery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which output URLs the worker may download: {@code http} or {@code https} only, and never an
 * address inside the worker's own network (loopback, private, link-local such as the cloud
 * metadata service, unique-local, wildcard, multicast) unless its host name is explicitly allowed,
 * as the emulator's is for local runs. A URL that WaveSpeed reports must not turn the worker into
 * a way into its own network.
 */
final class OutputAddressPolicy {

    private final Set<String> allowedPrivateHosts;

    OutputAddressPolicy(Set<String> allowedPrivateHosts) {
        this.allowedPrivateHosts = allowedPrivateHosts.stream().map(host -> host.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Throws a permanent delivery failure if {@code uri} may not be fetched; a name that does not resolve is transient. */
    void check(URI uri) throws DeliveryException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw DeliveryException.permanent("output_refused", "output URL scheme not allowed: " + uri.getScheme());
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            throw DeliveryException.permanent("output_refused", "output URL has no host");
        }
        if (allowedPrivateHosts.contains(host.toLowerCase(Locale.ROOT))) {
            return;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw DeliveryException.transientFailure("output host does not resolve: " + host, e);
        }
        for (InetAddress address : addresses) {
            if (isInternal(address)) {
                throw DeliveryException.permanent("output_refused", "output host " + host + " resolves to an internal address ("
                        + address.getHostAddress() + "); allow it in PIPELINE_OUTPUT_PRIVATE_HOSTS if it is meant");
            }
        }
    }

    static boolean isInternal(InetAddress address) {
        return address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress() || isUniqueLocal(address)
                || isCarrierGradeNat(address);
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
