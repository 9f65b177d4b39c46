package io.enhance.worker.emulator;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough multipart/form-data parsing to find one named file part. */
final class MultipartForm {

    /** A file part: its form field name, file name (may be empty), content type and bytes. */
    record Part(String name, String fileName, String contentType, byte[] content) {
    }

    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(?:\"([^\"]+)\"|([^;\\s]+))");
    private static final Pattern PARAMETER = Pattern.compile("(?i);\\s*(name|filename)=(?:\"([^\"]*)\"|([^;\\s]*))");
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private MultipartForm() {
    }

    static Optional<Part> find(String contentType, byte[] body, String field) {
        Matcher boundary = contentType == null ? null : BOUNDARY.matcher(contentType);
        if (boundary == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data") || !boundary.find()) {
            throw ApiException.badRequest("Content-Type must be multipart/form-data with a boundary");
        }
        byte[] delimiter = ("--" + (boundary.group(1) != null ? boundary.group(1) : boundary.group(2))).getBytes(StandardCharsets.ISO_8859_1);
        int position = indexOf(body, delimiter, 0);
        while (position >= 0) {
            position += delimiter.length;
            if (startsWith(body, position, new byte[] {'-', '-'}) || !startsWith(body, position, CRLF)) {
                break;
            }
            int headersEnd = indexOf(body, HEADER_END, position);
            if (headersEnd < 0) {
                break;
            }
            int contentStart = headersEnd + HEADER_END.length;
            int next = indexOf(body, concat(CRLF, delimiter), contentStart);
            if (next < 0) {
                throw ApiException.badRequest("Malformed multipart body: a part is not terminated");
            }
            Part part = part(new String(body, position + CRLF.length, headersEnd - position - CRLF.length, StandardCharsets.UTF_8),
                    Arrays.copyOfRange(body, contentStart, next));
            if (field.equals(part.name())) {
                return Optional.of(part);
            }
            position = next + CRLF.length;
        }
        return Optional.empty();
    }

    private static Part part(String headers, byte[] content) {
        String name = null;
        String fileName = "";
        String type = "application/octet-stream";
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String header = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (header.equals("content-type")) {
                type = value;
            } else if (header.equals("content-disposition")) {
                Matcher parameter = PARAMETER.matcher(value);
                while (parameter.find()) {
                    String parameterValue = parameter.group(2) != null ? parameter.group(2) : parameter.group(3);
                    if (parameter.group(1).equalsIgnoreCase("name")) {
                        name = parameterValue;
                    } else {
                        fileName = parameterValue;
                    }
                }
            }
        }
        return new Part(name, fileName, type, content);
    }

    private static boolean startsWith(byte[] data, int from, byte[] prefix) {
        return from + prefix.length <= data.length && Arrays.equals(data, from, from + prefix.length, prefix, 0, prefix.length);
    }

    private static int indexOf(byte[] data, byte[] target, int from) {
        outer:
        for (int i = Math.max(from, 0); i <= data.length - target.length; i++) {
            for (int j = 0; j < target.length; j++) {
                if (data[i + j] != target[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
