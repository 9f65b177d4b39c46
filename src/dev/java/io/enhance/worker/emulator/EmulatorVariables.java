package io.enhance.worker.emulator;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/** The emulator's settings as {@code EMULATOR_*} variables and {@code --name=value} arguments. */
final class EmulatorVariables {

    private EmulatorVariables() {
    }

    static EmulatorSettings read(Map<String, String> env, String[] args) {
        EmulatorSettings settings = new EmulatorSettings();
        Map<String, Consumer<String>> readers = readers(settings);
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> variables = env == null ? Map.of() : env;
        readers.keySet().forEach(name -> {
            if (variables.get(name) != null) {
                values.put(name, variables.get(name));
            }
        });
        for (String arg : args == null ? new String[0] : args) {
            int equals = arg.indexOf('=');
            String given = equals < 0 ? arg : arg.substring(0, equals);
            String name = "EMULATOR_" + given.replaceFirst("^--", "").toUpperCase(Locale.ROOT).replace('-', '_');
            if (!given.startsWith("--") || equals < 0 || !readers.containsKey(name)) {
                // names only: a mistyped --api-key=... must not echo the key
                throw new IllegalArgumentException("Unrecognised argument '" + given + "'; expected --name=value with a name from "
                        + readers.keySet().stream().map(EmulatorVariables::argumentName).toList());
            }
            values.put(name, arg.substring(equals + 1));
        }
        values.forEach((name, value) -> {
            try {
                readers.get(name).accept(value.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid value for " + name + ": " + e.getMessage(), e);
            }
        });
        return settings;
    }

    private static Map<String, Consumer<String>> readers(EmulatorSettings settings) {
        Map<String, Consumer<String>> readers = new LinkedHashMap<>();
        readers.put("EMULATOR_HOST", settings::setHost);
        readers.put("EMULATOR_PORT", v -> settings.setPort(Integer.parseInt(v)));
        readers.put("EMULATOR_API_KEY", v -> settings.setApiKey(v.isBlank() ? null : v));
        readers.put("EMULATOR_WEBHOOK_SECRET", settings::setWebhookSecret);
        readers.put("EMULATOR_MIN_LATENCY_MS", v -> settings.setMinLatencyMs(Long.parseLong(v)));
        readers.put("EMULATOR_MAX_LATENCY_MS", v -> settings.setMaxLatencyMs(Long.parseLong(v)));
        readers.put("EMULATOR_FAILURE_RATE", v -> settings.setFailureRate(Double.parseDouble(v)));
        readers.put("EMULATOR_429_RATE", v -> settings.setRate429(Double.parseDouble(v)));
        readers.put("EMULATOR_WEBHOOK_LOSS_RATE", v -> settings.setWebhookLossRate(Double.parseDouble(v)));
        readers.put("EMULATOR_RESULT_FAULT_RATE", v -> settings.setResultFaultRate(Double.parseDouble(v)));
        readers.put("EMULATOR_5XX_RATE", v -> settings.setRate5xx(Double.parseDouble(v)));
        readers.put("EMULATOR_RANDOM_SEED", v -> settings.setRandomSeed(Long.parseLong(v)));
        readers.put("EMULATOR_SYNC_TIMEOUT_MS", v -> settings.setSyncTimeoutMs(Long.parseLong(v)));
        readers.put("EMULATOR_WEBHOOK_RETRY_BASE_MS", v -> settings.setWebhookRetryBaseMs(Long.parseLong(v)));
        readers.put("EMULATOR_SLOW_RESPONSE_MS", v -> settings.setSlowResponseMs(Long.parseLong(v)));
        readers.put("EMULATOR_DROP_RATE", v -> settings.setDropRate(Double.parseDouble(v)));
        readers.put("EMULATOR_IDLE_TIMEOUT_MS", v -> settings.setIdleTimeoutMs(Long.parseLong(v)));
        readers.put("EMULATOR_OUTPUT_STALL_RATE", v -> settings.setOutputStallRate(Double.parseDouble(v)));
        readers.put("EMULATOR_HISTORY_SHAPE", v -> settings.setHistoryShape(HistoryShape.parse(v)));
        readers.put("EMULATOR_CACHE_OUTPUTS", v -> settings.setCacheOutputs(bool(v)));
        readers.put("EMULATOR_FINISH_ON_DELETE", v -> settings.setFinishOnDelete(bool(v)));
        readers.put("EMULATOR_CONCURRENCY", v -> settings.setConcurrency(Integer.parseInt(v)));
        readers.put("EMULATOR_IMAGES_PER_MINUTE", v -> settings.setImagesPerMinute(Integer.parseInt(v)));
        readers.put("EMULATOR_ANSWER_DELAY_MS", v -> settings.setAnswerDelayMs(Long.parseLong(v)));
        readers.put("EMULATOR_RESET_RATE", v -> settings.setResetRate(Double.parseDouble(v)));
        readers.put("EMULATOR_REFUSED_PROMPT", settings::setRefusedPrompt);
        readers.put("EMULATOR_FLAGGED_PROMPT", settings::setFlaggedPrompt);
        readers.put("EMULATOR_SUBMIT_SCRIPT", v -> settings.scriptSubmits(scriptTokens(v)));
        readers.put("EMULATOR_RESULT_SCRIPT", v -> settings.scriptResults(scriptTokens(v)));
        return readers;
    }

    /** Strict, unlike {@link Boolean#parseBoolean}: a typo must not silently mean false. */
    private static boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false, was " + value);
        };
    }

    /** An empty variable scripts nothing, so a compose file may leave it blank. */
    private static String[] scriptTokens(String commaSeparated) {
        return commaSeparated.isBlank() ? new String[0] : commaSeparated.split(",");
    }

    private static String argumentName(String variable) {
        return "--" + variable.substring("EMULATOR_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
