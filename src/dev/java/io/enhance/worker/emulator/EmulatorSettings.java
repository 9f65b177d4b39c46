package io.enhance.worker.emulator;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * How the emulator behaves. Live and thread-safe: a running emulator reads these on every call, so a
 * test may change them between requests.
 */
public final class EmulatorSettings {

    /** A prompt holding this gets its output flagged as NSFW unless another text is set. */
    public static final String DEFAULT_FLAGGED_PROMPT = "flag-nsfw";

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
    private volatile long idleTimeoutMs = 0;
    private volatile double outputStallRate = 0.0;
    private volatile HistoryShape historyShape = HistoryShape.DOCUMENTED;
    private volatile boolean cacheOutputs = false;
    private volatile int concurrency = 0;
    private volatile int imagesPerMinute = 0;
    private volatile long answerDelayMs = 0;
    private volatile double resetRate = 0.0;
    private volatile String refusedPrompt = null;
    private volatile boolean finishOnDelete = false;
    private volatile String flaggedPrompt = DEFAULT_FLAGGED_PROMPT;
    private final Queue<InjectedFault> submitScript = new ConcurrentLinkedQueue<>();
    private final Queue<InjectedFault> resultScript = new ConcurrentLinkedQueue<>();

    /**
     * Reads {@code EMULATOR_*} variables, then lets {@code --name=value} arguments override them, where
     * {@code --min-latency-ms=5} stands for {@code EMULATOR_MIN_LATENCY_MS=5}.
     */
    public static EmulatorSettings fromEnvironment(Map<String, String> env, String[] args) {
        return EmulatorVariables.read(env, args);
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

    /** A request on a keep-alive connection idle longer than this is dropped unanswered (0 = off): see {@link ConnectionFront}. */
    public long getIdleTimeoutMs() {
        return idleTimeoutMs;
    }

    public EmulatorSettings setIdleTimeoutMs(long idleTimeoutMs) {
        this.idleTimeoutMs = nonNegative("idleTimeoutMs", idleTimeoutMs);
        return this;
    }

    /** Probability that an output download sends its headers and a few bytes, then nothing until the client gives up. */
    public double getOutputStallRate() {
        return outputStallRate;
    }

    public EmulatorSettings setOutputStallRate(double outputStallRate) {
        this.outputStallRate = probability("outputStallRate", outputStallRate);
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
     * Whether each distinct input (its bytes, strength, seed and format) is enhanced only once and its
     * output reused, so that a benchmark measures the client rather than the emulator's image work.
     */
    public boolean getCacheOutputs() {
        return cacheOutputs;
    }

    public EmulatorSettings setCacheOutputs(boolean cacheOutputs) {
        this.cacheOutputs = cacheOutputs;
        return this;
    }

    /** Upstream slots: most tasks running at once, the others wait as {@code created} (0 = unlimited). */
    public int getConcurrency() {
        return concurrency;
    }

    public EmulatorSettings setConcurrency(int concurrency) {
        this.concurrency = (int) nonNegative("concurrency", concurrency);
        return this;
    }

    /**
     * The account's images per minute: at most this many submits accepted in any rolling 60 s, the rest
     * answered 429 and created nothing (0 = unlimited).
     */
    public int getImagesPerMinute() {
        return imagesPerMinute;
    }

    public EmulatorSettings setImagesPerMinute(int imagesPerMinute) {
        this.imagesPerMinute = (int) nonNegative("imagesPerMinute", imagesPerMinute);
        return this;
    }

    /** How long a submit's answer is held back after its task was created, as a busy API's may be (0 = at once). */
    public long getAnswerDelayMs() {
        return answerDelayMs;
    }

    public EmulatorSettings setAnswerDelayMs(long answerDelayMs) {
        this.answerDelayMs = nonNegative("answerDelayMs", answerDelayMs);
        return this;
    }

    /**
     * Probability that a submit's connection is reset (TCP RST) as its request arrives, before any of it is
     * read: nothing is created, and the client sees only {@code Connection reset}.
     */
    public double getResetRate() {
        return resetRate;
    }

    public EmulatorSettings setResetRate(double resetRate) {
        this.resetRate = probability("resetRate", resetRate);
        return this;
    }

    /**
     * Submits whose prompt contains this text are answered 403 (nothing created) although the account is in good
     * standing, as a refusal of that one request would be; {@code null} refuses none.
     */
    public String getRefusedPrompt() {
        return refusedPrompt;
    }

    public EmulatorSettings setRefusedPrompt(String refusedPrompt) {
        this.refusedPrompt = refusedPrompt == null || refusedPrompt.isEmpty() ? null : refusedPrompt;
        return this;
    }

    /**
     * The fault of a task finishing while its delete is in flight: a delete of a task still {@code created} or
     * {@code processing} first completes it (its output stored, its webhook sent), just before it takes effect;
     * having finished, the task keeps its result and outputs, as a finished task's delete does.
     */
    public boolean getFinishOnDelete() {
        return finishOnDelete;
    }

    public EmulatorSettings setFinishOnDelete(boolean finishOnDelete) {
        this.finishOnDelete = finishOnDelete;
        return this;
    }

    /**
     * Submits whose prompt contains this text complete with their output flagged, {@code has_nsfw_contents: [true]},
     * as WaveSpeed's safety checker would; {@code null} flags none. {@link #DEFAULT_FLAGGED_PROMPT} unless set.
     */
    public String getFlaggedPrompt() {
        return flaggedPrompt;
    }

    public EmulatorSettings setFlaggedPrompt(String flaggedPrompt) {
        this.flaggedPrompt = flaggedPrompt == null || flaggedPrompt.isEmpty() ? null : flaggedPrompt;
        return this;
    }

    /**
     * Queues faults for the next submits, one per call and ahead of the random ones: {@code ok},
     * {@code 429}, {@code 500}, {@code 502}, {@code 503}, {@code 504}, {@code drop} (nothing created),
     * {@code created+500}, {@code created+502}, {@code created+504}, {@code created+drop} (the task
     * exists, the client cannot know), {@code slow} (the task exists, the answer comes late).
     *
     * @throws IllegalArgumentException naming an unknown token and the allowed ones; then none is queued
     */
    public EmulatorSettings scriptSubmits(String... faults) {
        submitScript.addAll(parseAll(faults, InjectedFault.SUBMIT_TOKENS));
        return this;
    }

    /**
     * Queues faults for the next result GETs, one per call and ahead of the random ones: {@code ok},
     * {@code 404} (not found, as a task not listed yet), {@code 429}, {@code 500}, {@code 502}, {@code 503},
     * {@code 504}, {@code drop}, {@code slow}.
     *
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
                + ", concurrency=" + concurrency + ", imagesPerMinute=" + imagesPerMinute + ", answerDelayMs=" + answerDelayMs + ", resetRate=" + resetRate
                + ", refusedPrompt=" + (refusedPrompt != null) + ", finishOnDelete=" + finishOnDelete + ", flaggedPrompt=" + flaggedPrompt + ", cacheOutputs=" + cacheOutputs + ", dropRate=" + dropRate + ", idleTimeoutMs=" + idleTimeoutMs + ", outputStallRate=" + outputStallRate + ", slowResponseMs=" + slowResponseMs + ", scripted=" + submitScript.size()
                + "/" + resultScript.size() + ", randomSeed=" + randomSeed + ", history=" + historyShape.spelling() + "]";
    }
}
