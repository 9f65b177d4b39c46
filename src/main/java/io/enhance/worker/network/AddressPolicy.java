package io.enhance.worker.network;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.enhance.worker.config.PipelineConfig;

/**
 * Which URLs lead outside the worker's own network: {@code http} or {@code https} only, and never to
 * an internal address (loopback, private, link-local such as the cloud metadata service,
 * unique-local, shared, wildcard, multicast, or an IPv6 address that carries such an IPv4 address:
 * mapped, compatible, NAT64, 6to4, Teredo) unless the host name is explicitly allowed, as the
 * emulator's and a local store's are for local runs. One policy guards output downloads (a URL that
 * WaveSpeed reports must not become a way into the worker's network) and sources (WaveSpeed, outside,
 * cannot fetch an internal address, yet would charge for trying), each with its own allowed hosts.
 */
public final class AddressPolicy {

    /** Turns a host name into its addresses; a seam so tests can answer differently each time. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** The URL leads somewhere the policy does not let it go; trying again cannot change that. */
    public static final class RefusedException extends Exception {
        RefusedException(String message) {
            super(message);
        }
    }

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern DOTTED_QUAD = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    /** A last label that URL parsers read as a number, which makes the whole host an IPv4 address (WHATWG URL). */
    private static final Pattern NUMERIC_LABEL = Pattern.compile("\\d+|0[xX][0-9a-fA-F]*");
    /** Names that only a local resolver answers: RFC 6761 {@code localhost}, mDNS, RFC 8375, ICANN's private-use TLD. */
    private static final List<String> LOCAL_SUFFIXES = List.of(".localhost", ".local", ".home.arpa", ".internal");

    private final Set<String> allowedPrivateHosts;
    private final String allowingSetting;
    private final Resolver resolver;

    /**
     * @param allowedPrivateHosts host names whose internal addresses are allowed
     * @param allowingSetting the setting that lists them, named in every refusal
     */
    public AddressPolicy(Set<String> allowedPrivateHosts, String allowingSetting, Resolver resolver) {
        this.allowedPrivateHosts = allowedPrivateHosts.stream().map(host -> host.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.allowingSetting = allowingSetting;
        this.resolver = resolver;
    }

    /** Source images, allowing {@code PIPELINE_SOURCE_PRIVATE_HOSTS}. */
    public static AddressPolicy forSources(PipelineConfig pipeline) {
        return new AddressPolicy(pipeline.sourcePrivateHosts().orElse(Set.of()), "PIPELINE_SOURCE_PRIVATE_HOSTS",
                InetAddress::getAllByName);
    }

    /**
     * Why {@code host} cannot be outside the worker's network, judged from its spelling alone, without
     * DNS: an internal or non-canonical literal address, {@code localhost} or another name only a local
     * resolver answers, or a name of one label, which no public DNS answers. Empty if it may be outside,
     * or is allowed.
     */
    public Optional<String> refusalByName(String host) {
        String name = host.toLowerCase(Locale.ROOT).replaceFirst("\\.$", ""); // "localhost." is localhost
        if (allowedPrivateHosts.contains(name)) {
            return Optional.empty();
        }
        String why;
        if (name.startsWith("[")) {
            why = literal(name.substring(1, name.length() - 1)).filter(AddressPolicy::isInternal)
                    .map(address -> "an internal address").orElse(null);
        } else if (NUMERIC_LABEL.matcher(name.substring(name.lastIndexOf('.') + 1)).matches()) {
            why = !DOTTED_QUAD.matcher(name).matches() ? "not an IPv4 address in canonical form"
                    : literal(name).filter(AddressPolicy::isInternal).map(address -> "an internal address").orElse(null);
        } else if (name.equals("localhost") || LOCAL_SUFFIXES.stream().anyMatch(name::endsWith)) {
            why = "a name only a local resolver answers";
        } else if (!name.contains(".")) {
            why = "a name without a domain, which no public DNS answers";
        } else {
            why = null;
        }
        return Optional.ofNullable(why).map(reason -> "host " + host + " is " + reason + "; allow it in "
                + allowingSetting + " if it is meant");
    }

    /**
     * The address to connect to for {@code uri}, resolved once, so that the caller connects to the
     * address that was checked and a second DNS answer cannot point it elsewhere.
     *
     * @throws UnknownHostException the name does not resolve, maybe for now only
     */
    public InetAddress check(URI uri) throws RefusedException, UnknownHostException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new RefusedException("URL scheme not allowed: " + uri.getScheme());
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            throw new RefusedException("URL has no host");
        }
        InetAddress[] addresses = resolver.resolve(host);
        if (addresses.length == 0) {
            throw new UnknownHostException(host);
        }
        if (allowedPrivateHosts.contains(host.toLowerCase(Locale.ROOT))) {
            return addresses[0];
        }
        for (InetAddress address : addresses) {
            if (isInternal(address)) {
                throw new RefusedException("host " + host + " resolves to an internal address (" + address.getHostAddress()
                        + "); allow it in " + allowingSetting + " if it is meant");
            }
        }
        return addresses[0];
    }

    public static boolean isInternal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress() || isUniqueLocal(address)
                || isCarrierGradeNat(address)) {
            return true;
        }
        return embeddedIpv4(address).stream().anyMatch(AddressPolicy::isInternal);
    }

    /** A literal address, parsed without DNS (a canonical dotted quad, or IPv6 without brackets). */
    private static Optional<InetAddress> literal(String address) {
        try {
            return Optional.of(InetAddress.getByName(address));
        } catch (UnknownHostException notALiteral) {
            return Optional.empty();
        }
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
