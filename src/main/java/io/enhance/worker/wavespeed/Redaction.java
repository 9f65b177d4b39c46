package io.enhance.worker.wavespeed;

import java.util.regex.Pattern;

/**
 * WaveSpeed's error texts may quote the source URL, and a presigned URL carries its signature in
 * the query string: such text reaches logs, the jobs table and events only with queries cut off.
 */
public final class Redaction {

    private static final Pattern URL_QUERY = Pattern.compile("(https?://[^\\s?\"']+)\\?[^\\s\"']*[^\\s\"'.,:;)]");

    private Redaction() {
    }

    public static String withoutUrlQueries(String text) {
        return text == null ? null : URL_QUERY.matcher(text).replaceAll("$1?…");
    }
}
