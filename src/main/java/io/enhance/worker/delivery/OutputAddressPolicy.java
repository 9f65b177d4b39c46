package io.enhance.worker.delivery;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Set;

import io.enhance.worker.network.AddressPolicy;

/**
 * Which output URLs the worker may download ({@link AddressPolicy}), as delivery failures: a URL
 * that leads inside the worker's own network is refused for good ({@code output_refused}), a name
 * that does not resolve may resolve later.
 */
final class OutputAddressPolicy {

    private final AddressPolicy addresses;

    OutputAddressPolicy(Set<String> allowedPrivateHosts) {
        this(allowedPrivateHosts, InetAddress::getAllByName);
    }

    OutputAddressPolicy(Set<String> allowedPrivateHosts, AddressPolicy.Resolver resolver) {
        this.addresses = new AddressPolicy(allowedPrivateHosts, "PIPELINE_OUTPUT_PRIVATE_HOSTS", resolver);
    }

    /** The address to connect to for {@code uri}; the caller connects to it and no other. */
    InetAddress check(URI uri) throws DeliveryException {
        try {
            return addresses.check(uri);
        } catch (AddressPolicy.RefusedException e) {
            throw DeliveryException.permanent("output_refused", "output " + e.getMessage());
        } catch (UnknownHostException e) {
            throw DeliveryException.transientFailure("output host does not resolve: " + uri.getHost(), e);
        }
    }
}
