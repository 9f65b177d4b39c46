package io.enhance.worker.api;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The ways one path can be spelled so that a server normalising it one way and a router another
 * might disagree: matrix parameters, dot segments, doubled slashes, percent-encoding, upper case.
 */
final class PathSpellings {

    private PathSpellings() {
    }

    /** {@code path} itself and its other spellings, each a raw request path to send unchanged. */
    static Set<String> of(String path) {
        List<String> segments = List.of(path.substring(1).split("/"));
        Set<String> spellings = new LinkedHashSet<>();
        spellings.add(path);
        spellings.add(path + ";");
        spellings.add(path + "/");
        spellings.add(path + ";a=1");
        spellings.add(join(segments.stream().map(segment -> segment + ";x").toList()));
        spellings.add("/x/.." + path);
        spellings.add("/." + path);
        spellings.add(path.replace("/", "//"));
        spellings.add(path.toUpperCase(Locale.ROOT));
        for (int i = 0; i < segments.size(); i++) {
            spellings.add(join(replaced(segments, i, segments.get(i) + ";a")));
            spellings.add(join(replaced(segments, i, segments.get(i) + ";")));
            spellings.add(join(replaced(segments, i, "./" + segments.get(i))));
            spellings.add(join(replaced(segments, i, "x/../" + segments.get(i))));
            spellings.add(join(replaced(segments, i, "x;a/../" + segments.get(i))));
            spellings.add(join(replaced(segments, i, percentEncodedFirst(segments.get(i)))));
            spellings.add(join(replaced(segments, i, segments.get(i).toUpperCase(Locale.ROOT))));
            if (i > 0) {
                spellings.add(join(segments.subList(0, i)) + "%2F" + join(segments.subList(i, segments.size())).substring(1));
                spellings.add(join(segments.subList(0, i)) + "%2f" + join(segments.subList(i, segments.size())).substring(1));
            }
        }
        spellings.add(join(segments.stream().map(PathSpellings::percentEncodedFirst).toList()));
        return spellings;
    }

    private static List<String> replaced(List<String> segments, int index, String replacement) {
        List<String> copy = new ArrayList<>(segments);
        copy.set(index, replacement);
        return copy;
    }

    /** {@code /a/b} from {@code [a, b]}. */
    private static String join(List<String> segments) {
        return "/" + String.join("/", segments);
    }

    /** {@code %61pi} for {@code api}: the first character as a percent-encoded byte. */
    private static String percentEncodedFirst(String segment) {
        return segment.isEmpty() ? segment : String.format(Locale.ROOT, "%%%02X", (int) segment.charAt(0)) + segment.substring(1);
    }
}
