package io.enhance.worker.emulator;

import java.util.List;
import java.util.Map;

/**
 * A fault the emulator plays on one call: an error status, a dropped connection or a late answer.
 * {@code afterCreating} means a submit created its paid task before failing, which is the case a
 * client cannot tell from "nothing created". Script tokens name them: {@code 429}, {@code drop},
 * {@code created+504}, {@code slow}, {@code ok}. A 429 or a 503 never follows a created task: the
 * worker takes both as "nothing created", as their meaning and WaveSpeed's docs have it.
 */
record InjectedFault(int status, boolean drop, boolean slow, boolean afterCreating) {

    InjectedFault {
        if (afterCreating && (status == 429 || status == 503)) {
            throw new IllegalArgumentException("a " + status + " refuses a request before it is handled: it never"
                    + " follows a created task");
        }
    }

    static final InjectedFault NONE = new InjectedFault(0, false, false, false);
    static final List<String> SUBMIT_TOKENS = List.of("ok", "429", "500", "502", "503", "504", "drop", "slow",
            "created+500", "created+502", "created+504", "created+drop");
    /** {@code 404}: the prediction is not found (yet), as a task that shows late would answer. */
    static final List<String> RESULT_TOKENS = List.of("ok", "404", "429", "500", "502", "503", "504", "drop", "slow");
    private static final String CREATED = "created+";
    private static final Map<Integer, String> MESSAGES = Map.of(
            404, "Prediction not found",
            429, "Too many requests",
            500, "Internal server error",
            503, "Service temporarily unavailable");

    static InjectedFault status(int status, boolean afterCreating) {
        return new InjectedFault(status, false, false, afterCreating);
    }

    static InjectedFault dropped(boolean afterCreating) {
        return new InjectedFault(0, true, false, afterCreating);
    }

    /** Reads a script token, refusing any not in {@code allowed} with the list of those that are. */
    static InjectedFault parse(String token, List<String> allowed) {
        String name = token == null ? "" : token.trim();
        if (!allowed.contains(name)) {
            throw new IllegalArgumentException("unknown fault '" + name + "'; expected one of " + allowed);
        }
        boolean created = name.startsWith(CREATED);
        String kind = created ? name.substring(CREATED.length()) : name;
        return switch (kind) {
            case "ok" -> NONE;
            case "drop" -> dropped(created);
            case "slow" -> new InjectedFault(0, false, true, true);
            default -> status(Integer.parseInt(kind), created);
        };
    }

    /** Fails the call as this fault says: an error answer or a dropped connection; nothing for ok and slow. */
    void strike() {
        if (drop) {
            throw new DroppedConnection();
        }
        if (status == 502 || status == 504) {
            throw ApiException.gateway(status);
        }
        if (status != 0) {
            throw new ApiException(status, MESSAGES.get(status));
        }
    }
}
