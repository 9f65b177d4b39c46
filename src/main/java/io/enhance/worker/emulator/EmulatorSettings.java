package io.enhance.worker.emulator;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * How the emulator behaves. Live and thread-safe: a running emulator reads these on every call, so a
 * test may change them between requests.
 */
public final class EmulatorSettings {

    private volatile String host = "127.0.0.1";
    private volatile int port = 0;
    private volatile String apiKey = null;
    private volatile String webhookSecret = "whsec_emulator-secret";
    private volatile long minLatencyMs = 200;
    private volatile long maxLatencyMs = 800;
    private volatile double failureRate = 0.0;
    private volatile double rate429 = 0.0;
    private volatile double webhookLossRate = 0.0;
    private volatile double resultFaultRate = 0.0;
    private volatile double rate5xx = 0.0;
    private volatile long randomSeed = 42;
    private volatile long syncTimeoutMs = 30_000;
    private volatile long webhookRetryBaseMs = 1_000;
    private volatile long slowResponseMs = 15_000;
    private volatile double dropRate = 0.0;
    private volatile HistoryShape historyShape = HistoryShape.DOCUMENTED;
    private final Queue<InjectedFault> submitScript = new ConcurrentLinkedQueue<>();
    private final Queue<InjectedFault> resultScript = new ConcurrentLinkedQueue<>();

    /**
     * Reads {@code EMULATOR_*} variables, then lets {@code --name=value} arguments override them, where
     * {@code --min-latency-ms=5} stands for {@code EMULATOR_MIN_LATENCY_MS=5}.
     */
    public static EmulatorSettings fromEnvironment(Map<String, String> env, String[] args) {
        EmulatorSettings settings = new EmulatorSettings();
        Map<String, Consumer<String>> readers = settings.readers();
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
                        + readers.keySet().stream().map(EmulatorSettings::argumentName).toList());
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

    private Map<String, Consumer<String>> readers() {
        Map<String, Consumer<String>> readers = new LinkedHashMap<>();
        readers.put("EMULATOR_HOST", this::setHost);
        readers.put("EMULATOR_PORT", v -> setPort(Integer.parseInt(v)));
        readers.put("EMULATOR_API_KEY", v -> setApiKey(v.isBlank() ? null : v));
        readers.put("EMULATOR_WEBHOOK_SECRET", this::setWebhookSecret);
        readers.put("EMULATOR_MIN_LATENCY_MS", v -> setMinLatencyMs(Long.parseLong(v)));
        readers.put("EMULATOR_MAX_LATENCY_MS", v -> setMaxLatencyMs(Long.parseLong(v)));
        readers.put("EMULATOR_FAILURE_RATE", v -> setFailureRate(Double.parseDouble(v)));
        readers.put("EMULATOR_429_RATE", v -> setRate429(Double.parseDouble(v)));
        readers.put("EMULATOR_WEBHOOK_LOSS_RATE", v -> setWebhookLossRate(Double.parseDouble(v)));
        readers.put("EMULATOR_RESULT_FAULT_RATE", v -> setResultFaultRate(Double.parseDouble(v)));
        readers.put("EMULATOR_5XX_RATE", v -> setRate5xx(Double.parseDouble(v)));
        readers.put("EMULATOR_RANDOM_SEED", v -> setRandomSeed(Long.parseLong(v)));
        readers.put("EMULATOR_SYNC_TIMEOUT_MS", v -> setSyncTimeoutMs(Long.parseLong(v)));
        readers.put("EMULATOR_WEBHOOK_RETRY_BASE_MS", v -> setWebhookRetryBaseMs(Long.parseLong(v)));
        readers.put("EMULATOR_SLOW_RESPONSE_MS", v -> setSlowResponseMs(Long.parseLong(v)));
        readers.put("EMULATOR_DROP_RATE", v -> setDropRate(Double.parseDouble(v)));
        readers.put("EMULATOR_HISTORY_SHAPE", v -> setHistoryShape(HistoryShape.parse(v)));
        readers.put("EMULATOR_SUBMIT_SCRIPT", v -> scriptSubmits(scriptTokens(v)));
        readers.put("EMULATOR_RESULT_SCRIPT", v -> scriptResults(scriptTokens(v)));
        return readers;
    }

    /** An empty variable scripts nothing, so a compose file may leave it blank. */
    private static String[] scriptTokens(String commaSeparated) {
        return commaSeparated.isBlank() ? new String[0] : commaSeparated.split(",");
    }

    private static String argumentName(String variable) {
        return "--" + variable.substring("EMULATOR_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String getHost() {
        return host;
    }

    public EmulatorSettings setHost(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        this.host = host;
        return this;
    }

    public int getPort() {
        return port;
    }

    public EmulatorSettings setPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        this.port = port;
        return this;
    }

    public String getApiKey() {
        return apiKey;
    }

    /** {@code null} accepts every call; otherwise every /api/v3 call must carry this bearer token. */
    public EmulatorSettings setApiKey(String apiKey) {
        this.apiKey = apiKey;
        return this;
    }

    public String getWebhookSecret() {
        return webhookSecret;
    }

    public EmulatorSettings setWebhookSecret(String webhookSecret) {
        if (webhookSecret == null || webhookSecret.isEmpty() || webhookSecret.equals(WebhookSigner.SECRET_PREFIX)) {
            throw new IllegalArgumentException("webhook secret must not be empty");
        }
        this.webhookSecret = webhookSecret;
        return this;
    }

    public long getMinLatencyMs() {
        return minLatencyMs;
    }

    public EmulatorSettings setMinLatencyMs(long minLatencyMs) {
        this.minLatencyMs = nonNegative("minLatencyMs", minLatencyMs);
        return this;
    }

    public long getMaxLatencyMs() {
        return maxLatencyMs;
    }

    /** A maximum below the minimum counts as the minimum, so the two may be set in either order. */
    public EmulatorSettings setMaxLatencyMs(long maxLatencyMs) {
        this.maxLatencyMs = nonNegative("maxLatencyMs", maxLatencyMs);
        return this;
    }

    public double getFailureRate() {
        return failureRate;
    }

    public EmulatorSettings setFailureRate(double failureRate) {
        this.failureRate = probability("failureRate", failureRate);
        return this;
    }

    public double getRate429() {
        return rate429;
    }

    public EmulatorSettings setRate429(double rate429) {
        this.rate429 = probability("rate429", rate429);
        return this;
    }

    /** Probability that a finished prediction's webhook is never sent (retries included). */
    public double getWebhookLossRate() {
        return webhookLossRate;
    }

    public EmulatorSettings setWebhookLossRate(double webhookLossRate) {
        this.webhookLossRate = probability("webhookLossRate", webhookLossRate);
        return this;
    }

    /** Probability that a result GET answers 429, 500 or 503, or drops the connection, instead of the prediction. */
    public double getResultFaultRate() {
        return resultFaultRate;
    }

    public EmulatorSettings setResultFaultRate(double resultFaultRate) {
        this.resultFaultRate = probability("resultFaultRate", resultFaultRate);
        return this;
    }

    public double getRate5xx() {
        return rate5xx;
    }

    public EmulatorSettings setRate5xx(double rate5xx) {
        this.rate5xx = probability("rate5xx", rate5xx);
        return this;
    }

    public long getRandomSeed() {
        return randomSeed;
    }

    /** Changing it on a running emulator restarts its fault and latency sequence from the new seed. */
    public EmulatorSettings setRandomSeed(long randomSeed) {
        this.randomSeed = randomSeed;
        return this;
    }

    public long getSyncTimeoutMs() {
        return syncTimeoutMs;
    }

    public EmulatorSettings setSyncTimeoutMs(long syncTimeoutMs) {
        this.syncTimeoutMs = nonNegative("syncTimeoutMs", syncTimeoutMs);
        return this;
    }

    public long getWebhookRetryBaseMs() {
        return webhookRetryBaseMs;
    }

    public EmulatorSettings setWebhookRetryBaseMs(long webhookRetryBaseMs) {
        this.webhookRetryBaseMs = nonNegative("webhookRetryBaseMs", webhookRetryBaseMs);
        return this;
    }

    /** How long a {@code slow} fault holds its answer back. */
    public long getSlowResponseMs() {
        return slowResponseMs;
    }

    public EmulatorSettings setSlowResponseMs(long slowResponseMs) {
        this.slowResponseMs = nonNegative("slowResponseMs", slowResponseMs);
        return this;
    }

    /** Probability that a submit's connection is dropped unanswered; half of those created the task first. */
    public double getDropRate() {
        return dropRate;
    }

    public EmulatorSettings setDropRate(double dropRate) {
        this.dropRate = probability("dropRate", dropRate);
        return this;
    }

    /** Whether history items show the request ({@code input}), which WaveSpeed does not document. */
    public HistoryShape getHistoryShape() {
        return historyShape;
    }

    public EmulatorSettings setHistoryShape(HistoryShape historyShape) {
        this.historyShape = Objects.requireNonNull(historyShape, "historyShape");
        return this;
    }

    /**
     * Queues faults for the next submits, one per call and ahead of the random ones: the tokens of
     * {@link InjectedFault#SUBMIT_TOKENS} ({@code created+...} and {@code slow} create the task first).
     * @throws IllegalArgumentException naming an unknown token and the allowed ones; then none is queued
     */
    public EmulatorSettings scriptSubmits(String... faults) {
        submitScript.addAll(parseAll(faults, InjectedFault.SUBMIT_TOKENS));
        return this;
    }

    /**
     * Queues faults for the next result GETs, one per call and ahead of the random ones ({@link InjectedFault#RESULT_TOKENS}).
     * @throws IllegalArgumentException naming an unknown token and the allowed ones; then none is queued
     */
    public EmulatorSettings scriptResults(String... faults) {
        resultScript.addAll(parseAll(faults, InjectedFault.RESULT_TOKENS));
        return this;
    }

    public EmulatorSettings clearScripts() {
        submitScript.clear();
        resultScript.clear();
        return this;
    }

    Optional<InjectedFault> nextScriptedSubmitFault() {
        return Optional.ofNullable(submitScript.poll());
    }

    Optional<InjectedFault> nextScriptedResultFault() {
        return Optional.ofNullable(resultScript.poll());
    }

    /** All or nothing: one bad token queues none. */
    private static List<InjectedFault> parseAll(String[] faults, List<String> allowed) {
        return Arrays.stream(faults).map(token -> InjectedFault.parse(token, allowed)).toList();
    }

    private static long nonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
        return value;
    }

    private static double probability(String name, double value) {
        if (!(value >= 0.0 && value <= 1.0)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, was " + value);
        }
        return value;
    }

    @Override
    public String toString() {
        return "EmulatorSettings[host=" + host + ", port=" + port + ", apiKey=" + (apiKey == null ? "none" : "***")
                + ", latency=" + minLatencyMs + ".." + maxLatencyMs + "ms, failureRate=" + failureRate
                + ", rate429=" + rate429 + ", webhookLossRate=" + webhookLossRate + ", resultFaultRate=" + resultFaultRate + ", rate5xx=" + rate5xx
                + ", dropRate=" + dropRate + ", slowResponseMs=" + slowResponseMs + ", scripted=" + submitScript.size()
                + "/" + resultScript.size() + ", randomSeed=" + randomSeed + ", history=" + historyShape.spelling() + "]";
    }
}
