package io.enhance.worker.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

class EmulatorSettingsAndSignerTest {

    @Test
    void signsLikeAnIndependentHmacOverIdTimestampAndBody() throws Exception {
        byte[] body = "{\"id\":\"abc\"}".getBytes(StandardCharsets.UTF_8);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "v3," + HexFormat.of().formatHex(mac.doFinal("msg_1.1700000000.{\"id\":\"abc\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, WebhookSigner.sign("whsec_s3cret", "msg_1", 1_700_000_000L, body));
    }

    @Test
    void readsSettingsFromEnvironmentWithArgumentsOverridingThem() {
        EmulatorSettings settings = EmulatorSettings.fromEnvironment(
                Map.of("EMULATOR_PORT", "9000", "EMULATOR_API_KEY", "k", "EMULATOR_429_RATE", "0.25",
                        "EMULATOR_MIN_LATENCY_MS", "5", "UNRELATED", "x"),
                new String[] {"--port=9100", "--failure-rate=0.5", "--5xx-rate=0.1"});
        assertEquals(9100, settings.getPort());
        assertEquals("k", settings.getApiKey());
        assertEquals(0.25, settings.getRate429());
        assertEquals(0.1, settings.getRate5xx());
        assertEquals(0.5, settings.getFailureRate());
        assertEquals(5, settings.getMinLatencyMs());
    }

    @Test
    void listsTheHistoryAsDocumentedUnlessToldToShowTheRequest() {
        assertEquals(HistoryShape.DOCUMENTED, new EmulatorSettings().getHistoryShape());
        assertEquals(HistoryShape.WITH_INPUT, EmulatorSettings.fromEnvironment(
                Map.of("EMULATOR_HISTORY_SHAPE", "with-input"), new String[0]).getHistoryShape());
        assertEquals(HistoryShape.DOCUMENTED, EmulatorSettings.fromEnvironment(
                Map.of(), new String[] {"--history-shape=documented"}).getHistoryShape());
        assertThrows(IllegalArgumentException.class, () -> EmulatorSettings.fromEnvironment(
                Map.of("EMULATOR_HISTORY_SHAPE", "input"), new String[0]));
    }

    @Test
    void readsTheBenchmarkSwitchesAndRefusesABooleanItCannotRead() {
        EmulatorSettings settings = EmulatorSettings.fromEnvironment(
                Map.of("EMULATOR_CACHE_OUTPUTS", "true", "EMULATOR_CONCURRENCY", "1000"), new String[0]);
        assertEquals(true, settings.getCacheOutputs());
        assertEquals(1000, settings.getConcurrency());
        assertEquals(false, new EmulatorSettings().getCacheOutputs());
        assertEquals(0, new EmulatorSettings().getConcurrency());
        assertThrows(IllegalArgumentException.class, () -> EmulatorSettings.fromEnvironment(
                Map.of("EMULATOR_CACHE_OUTPUTS", "yes"), new String[0]));
        assertThrows(IllegalArgumentException.class, () -> new EmulatorSettings().setConcurrency(-1));
    }

    @Test
    void refusesUnknownArgumentsWithoutEchoingTheirValues() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> EmulatorSettings.fromEnvironment(Map.of(), new String[] {"--apikey=do-not-print"}));
        assertFalse(error.getMessage().contains("do-not-print"), error.getMessage());
    }

    @Test
    void refusesRatesOutsideZeroToOne() {
        assertThrows(IllegalArgumentException.class, () -> new EmulatorSettings().setFailureRate(1.5));
    }
}
