package io.enhance.worker.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** The seeded dice and the faults they play: a seed replays the same sequence whatever the rates. */
class EmulatorFaultDiceTest {

    @Test
    void everySubmitDrawsTheSameValuesWhateverTheRatesSoFatesDoNotShift() {
        FaultDice calm = new FaultDice(new EmulatorSettings().setRandomSeed(3).setFailureRate(0.5));
        FaultDice stormy = new FaultDice(new EmulatorSettings().setRandomSeed(3).setFailureRate(0.5)
                .setRate429(0.3).setRate5xx(0.3).setDropRate(0.3));

        List<FaultDice.SubmitRoll> calmRolls = rolls(calm, 60);
        List<FaultDice.SubmitRoll> stormyRolls = rolls(stormy, 60);

        assertThat(calmRolls).extracting(FaultDice.SubmitRoll::fault).containsOnly(InjectedFault.NONE);
        assertThat(stormyRolls).extracting(FaultDice.SubmitRoll::fault).contains(InjectedFault.status(429, false),
                InjectedFault.status(500, true), InjectedFault.status(500, false),
                InjectedFault.dropped(true), InjectedFault.dropped(false));
        assertThat(stormyRolls).extracting(FaultDice.SubmitRoll::fate)
                .isEqualTo(calmRolls.stream().map(FaultDice.SubmitRoll::fate).toList());
    }

    @Test
    void refusesA503ThatFollowsACreatedTaskForTheWorkerTakesA503AsNothingCreated() {
        assertThatThrownBy(() -> InjectedFault.status(503, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("503");
        assertThatThrownBy(() -> new EmulatorSettings().scriptSubmits("created+503"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<FaultDice.SubmitRoll> rolls(FaultDice dice, int count) {
        return IntStream.range(0, count).mapToObj(i -> dice.rollSubmit()).toList();
    }
}
