package io.enhance.worker.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** EMULATOR_OUTPUT_STALL_RATE: an output download sends its headers and a few bytes, then nothing. */
class EmulatorOutputStallTest extends EmulatorTestSupport {

    @Test
    void aStalledOutputDownloadSendsItsHeadersAndFirstBytesThenNothing() throws Exception {
        JsonNode data = api.post(SUBMIT, input(pngUrl).put("enable_sync_mode", true)).data();
        String output = data.path("outputs").get(0).asText();
        int size = api.download(output).body().length;
        emulator.settings().setOutputStallRate(1.0);

        HttpURLConnection stalled = (HttpURLConnection) URI.create(output).toURL().openConnection();
        stalled.setReadTimeout(1_000);
        assertThat(stalled.getResponseCode()).isEqualTo(200);
        assertThat(stalled.getContentLengthLong()).isEqualTo(size);
        try (InputStream body = stalled.getInputStream()) {
            assertThat(body.readNBytes(16)).hasSize(16);
            assertThatThrownBy(() -> body.readNBytes(size)).isInstanceOf(SocketTimeoutException.class);
        }
        assertThat(emulator.stalledOutputs()).containsExactly(data.path("id").asText());

        emulator.settings().setOutputStallRate(0);
        assertThat(api.download(output).body()).hasSize(size);
    }

    @Test
    void theStallRateComesFromTheEnvironmentAndTheSeedRepeatsWhichDownloadsStall() {
        EmulatorSettings settings = EmulatorSettings.fromEnvironment(Map.of("EMULATOR_OUTPUT_STALL_RATE", "0.5"), null);
        assertThat(settings.getOutputStallRate()).isEqualTo(0.5);

        FaultDice first = new FaultDice(settings);
        FaultDice second = new FaultDice(EmulatorSettings.fromEnvironment(Map.of("EMULATOR_OUTPUT_STALL_RATE", "0.5"), null));
        var rolls = IntStream.range(0, 40).mapToObj(i -> first.rollOutputStall()).toList();
        assertThat(rolls).contains(true, false);
        assertThat(IntStream.range(0, 40).mapToObj(i -> second.rollOutputStall()).toList()).isEqualTo(rolls);
    }
}
