package io.enhance.worker.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The README and the guides link to one another, to sections of one another and to the source: a link that
 * leads nowhere is a guide that sends its reader astray. Anchors are the slugs GitHub makes of headings.
 */
class DocumentationLinksTest {

    private static final Pattern FENCED_BLOCK = Pattern.compile("^[ \\t]*```.*?^[ \\t]*```[^\\n]*$", Pattern.MULTILINE | Pattern.DOTALL);
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`\\n]*`");
    /** The target of an inline link or image: {@code [text](target)}, {@code ![alt](target "title")}. */
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}[ \\t]+(.+?)(?:[ \\t]+#+)?[ \\t]*$", Pattern.MULTILINE);
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    @Test
    void everyRelativeLinkAndAnchorInTheDocsLeadsSomewhere() {
        List<String> broken = new ArrayList<>();
        int links = 0;
        int anchors = 0;
        for (Path file : Documentation.files()) {
            String text = Documentation.text(file);
            Matcher link = LINK.matcher(blank(CODE_SPAN, blank(FENCED_BLOCK, text)));
            while (link.find()) {
                String target = link.group(1);
                if (SCHEME.matcher(target).find()) {
                    continue; // https:, mailto: and the like lead outside the repository
                }
                links++;
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                Path resolved = path.isEmpty() ? file : file.resolveSibling(path).normalize();
                String where = file + " line " + Documentation.lineOf(text, link.start()) + ": " + target;
                if (!Files.exists(resolved)) {
                    broken.add(where + " (no such file: " + resolved + ")");
                } else if (hash >= 0) {
                    anchors++;
                    String anchor = target.substring(hash + 1);
                    if (!resolved.toString().endsWith(".md")) {
                        broken.add(where + " (an anchor into a file that is not Markdown)");
                    } else if (!headingSlugs(Documentation.text(resolved)).contains(anchor)) {
                        broken.add(where + " (no heading of " + resolved + " has the slug " + anchor + ")");
                    }
                }
            }
        }
        // the docs link to each other's sections; finding no link would prove nothing
        assertThat(links).isGreaterThan(0);
        assertThat(anchors).isGreaterThan(0);
        assertThat(broken).as("links in the docs that lead nowhere").isEmpty();
    }

    /** GitHub's anchors: each heading lower-cased, punctuation dropped, spaces as hyphens, repeats numbered. */
    static Set<String> headingSlugs(String markdown) {
        Set<String> slugs = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        Matcher heading = HEADING.matcher(blank(FENCED_BLOCK, markdown));
        while (heading.find()) {
            String slug = heading.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{M} _-]", "").replace(' ', '-');
            int repeats = seen.merge(slug, 1, Integer::sum) - 1;
            slugs.add(repeats == 0 ? slug : slug + "-" + repeats);
        }
        return slugs;
    }

    /** The text with every match of the pattern turned to spaces, line breaks kept, so offsets still find lines. */
    private static String blank(Pattern pattern, String text) {
        return pattern.matcher(text).replaceAll(match -> match.group().replaceAll("[^\\n]", " "));
    }
}
