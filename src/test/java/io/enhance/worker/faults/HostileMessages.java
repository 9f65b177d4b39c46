package io.enhance.worker.faults;

import java.nio.charset.StandardCharsets;

/**
 * Malformed and hostile request messages, each different from every other (so each earns its own
 * rejection): broken JSON, wrong shapes and types, out-of-range values, NUL characters, path
 * tricks in ids and key prefixes, internal and non-HTTP source URLs, oversized and deeply nested
 * bodies, binary noise.
 */
final class HostileMessages {

    private static final int KINDS = 16;

    private HostileMessages() {
    }

    static byte[] number(int i) {
        String id = "hostile-" + i;
        String image = "\"image\":\"https://images.example.com/" + i + ".png\"";
        String json = switch (i % KINDS) {
            case 0 -> "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"p\"";
            case 1 -> "[\"" + id + "\"]";
            case 2 -> "{\"job_id\":" + i + ",\"input\":{\"prompt\":\"p\"," + image + "}}";
            case 3 -> "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"p\"," + image + ",\"strength\":" + (2 + i) + "}}";
            case 4 -> "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"p\"," + image + "},\"priority\":\"urgent\"}";
            case 5 -> "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"a\\u0000b\"," + image + "}}";
            case 6 -> "{\"job_id\":\"" + id + "/../../etc\",\"input\":{\"prompt\":\"p\"," + image + "}}";
            case 7 -> "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"p\"," + image + "},\"output\":{\"key_prefix\":\"/abs/\"}}";
            case 8 -> "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"p\",\"image\":\"file:///etc/passwd\"}}";
            case 9 -> "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"p\",\"image\":\"gopher://169.254.169.254/" + i + "\"}}";
            case 10 -> "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"p\"," + image + "},\"metadata\":{\"n\":" + i + "}}";
            case 11 -> "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"p\"," + image + ",\"seed\":\"DROP TABLE jobs\"}}";
            case 12 -> nested(i);
            case 13 -> "{\"job_id\":\"" + "x".repeat(300) + i + "\",\"input\":{\"prompt\":\"p\"," + image + "}}";
            case 14 -> i % (KINDS * 50) == 14 ? oversized(id) : " ".repeat(1 + i / KINDS) + "null";
            default -> null;
        };
        return json == null ? noise(i) : json.getBytes(StandardCharsets.UTF_8);
    }

    /** Deeper than any JSON parser should follow. */
    private static String nested(int i) {
        return "{\"job_id\":\"hostile-" + i + "\",\"input\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";
    }

    private static String oversized(String id) {
        return "{\"job_id\":\"" + id + "\",\"input\":{\"prompt\":\"" + "p".repeat(300_000) + "\"}}";
    }

    private static byte[] noise(int i) {
        byte[] bytes = new byte[64 + i % 64];
        new java.util.Random(i).nextBytes(bytes);
        return bytes;
    }
}
