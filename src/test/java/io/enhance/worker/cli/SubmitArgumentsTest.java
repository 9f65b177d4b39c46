package io.enhance.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

class SubmitArgumentsTest {

    @TempDir
    Path folder;

    @Test
    void aFolderAndABatchNameAreEnoughAndTheRestHasDefaults() throws Exception {
        SubmitArguments parsed = SubmitArguments.parse(folder.toString(), "--batch", "holiday");
        assertThat(parsed.folder()).contains(folder);
        assertThat(parsed.s3Prefix()).isEmpty();
        assertThat(parsed.batch()).isEqualTo("holiday");
        assertThat(parsed.prompt()).isEqualTo(SubmitArguments.DEFAULT_PROMPT);
        assertThat(parsed.parameters()).isEmpty();
        assertThat(parsed.priority()).isEmpty();
        assertThat(parsed.timeout()).isEqualTo(Duration.ofHours(24));
        assertThat(parsed.noWorker()).isFalse();
        assertThat(parsed.canary()).isEmpty();
        assertThat(parsed.noWait()).isFalse();
    }

    @Test
    void aCanaryAndNoWaitAreTakenAndACanaryOfNoJobsIsRefused() throws Exception {
        SubmitArguments parsed = SubmitArguments.parse(folder.toString(), "--batch", "b", "--canary", "5", "--no-wait");
        assertThat(parsed.canary()).contains(5);
        assertThat(parsed.noWait()).isTrue();
        assertRefused("--canary '0': must be a whole number of jobs, at least 1", folder.toString(), "--batch", "b",
                "--canary", "0");
        assertRefused("--canary 'some'", folder.toString(), "--batch", "b", "--canary=some");
    }

    @Test
    void optionsMayComeInAnyOrderAndAsOptionEqualsValue() throws Exception {
        SubmitArguments parsed = SubmitArguments.parse("--no-worker", "--batch=b1", "--prompt", "sharper",
                "--priority", "-3", "--timeout=90m", "s3://my-bucket/in/2026");
        assertThat(parsed.s3Prefix()).contains(new SubmitArguments.S3Prefix("my-bucket", "in/2026"));
        assertThat(parsed.folder()).isEmpty();
        assertThat(parsed.prompt()).isEqualTo("sharper");
        assertThat(parsed.priority()).isEqualTo(Optional.of(-3));
        assertThat(parsed.timeout()).isEqualTo(Duration.ofMinutes(90));
        assertThat(parsed.noWorker()).isTrue();
    }

    @Test
    void paramValuesAreJsonWhenTheyParseAndStringsOtherwise() throws Exception {
        SubmitArguments parsed = SubmitArguments.parse(folder.toString(), "--batch", "b", "--param", "strength=0.5",
                "--param", "seed=42", "--param", "enable_sync_mode=true", "--param", "output_format=png",
                "--param", "guidance_scale=\"3\"");
        assertThat(parsed.parameters()).containsEntry("strength", DoubleNode.valueOf(0.5))
                .containsEntry("seed", IntNode.valueOf(42))
                .containsEntry("enable_sync_mode", BooleanNode.TRUE)
                .containsEntry("output_format", TextNode.valueOf("png"))
                .containsEntry("guidance_scale", TextNode.valueOf("3"));
    }

    @Test
    void seedIsTheSeedParameterAndDryRunAndMaxCostAskForAPreview() throws Exception {
        SubmitArguments parsed = SubmitArguments.parse(folder.toString(), "--batch", "b", "--seed", "42", "--dry-run",
                "--max-cost=12.50");
        assertThat(parsed.parameters()).containsEntry("seed", IntNode.valueOf(42));
        assertThat(parsed.dryRun()).isTrue();
        assertThat(parsed.maxCost()).contains(new BigDecimal("12.50"));
        assertThat(SubmitArguments.parse(folder.toString(), "--batch", "b").maxCost()).isEmpty();
        assertRefused("--max-cost 'lots'", folder.toString(), "--batch", "b", "--max-cost", "lots");
        assertRefused("--max-cost '-1'", folder.toString(), "--batch", "b", "--max-cost", "-1");
    }

    @Test
    void durationsReadSecondsMinutesHoursDaysAndIso() throws Exception {
        assertThat(SubmitArguments.duration("45s")).isEqualTo(Duration.ofSeconds(45));
        assertThat(SubmitArguments.duration("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(SubmitArguments.duration("PT1H30M")).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void badInputIsRefusedWithAMessageNamingTheProblem() throws Exception {
        Path file = Files.createFile(folder.resolve("a.jpg"));
        String dir = folder.toString();
        assertRefused("a folder or s3://bucket/prefix", "--batch", "b");
        assertRefused("no such folder", folder.resolve("missing").toString(), "--batch", "b");
        assertRefused("no such folder", file.toString(), "--batch", "b");
        assertRefused("--batch NAME is required", dir);
        assertRefused("--batch needs a value", dir, "--batch");
        assertRefused("--batch 'a b'", dir, "--batch", "a b");
        assertRefused("--batch '../up'", dir, "--batch", "../up");
        assertRefused("expected key=value", dir, "--batch", "b", "--param", "strength");
        assertRefused("unknown parameter", dir, "--batch", "b", "--param", "strenght=0.5");
        assertRefused("use --prompt", dir, "--batch", "b", "--param", "prompt=x");
        assertRefused("the image is the source", dir, "--batch", "b", "--param", "image=s3://x/y");
        assertRefused("--priority 'high'", dir, "--batch", "b", "--priority", "high");
        assertRefused("--priority '11'", dir, "--batch", "b", "--priority", "11");
        assertRefused("--timeout 'soon'", dir, "--batch", "b", "--timeout", "soon");
        assertRefused("--timeout '0s'", dir, "--batch", "b", "--timeout", "0s");
        assertRefused("--prompt must not be blank", dir, "--batch", "b", "--prompt", " ");
        assertRefused("unknown option --dry-runs", dir, "--batch", "b", "--dry-runs");
        assertRefused("one source only", dir, dir, "--batch", "b");
        assertRefused("not a valid s3://bucket/prefix", "s3://Bad_Bucket/x", "--batch", "b");
    }

    private static void assertRefused(String message, String... args) {
        assertThatThrownBy(() -> SubmitArguments.parse(args)).isInstanceOf(UsageException.class)
                .hasMessageContaining(message);
    }
}
