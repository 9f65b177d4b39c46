package io.enhance.worker.emulator;

import java.util.Locale;

/**
 * What the history call lists for each prediction. WaveSpeed documents no {@code input} there, so
 * {@code documented} is the default; {@code with-input} adds the request a prediction was made from.
 */
public enum HistoryShape {
    DOCUMENTED,
    WITH_INPUT;

    /** {@code documented} or {@code with-input}, as {@code EMULATOR_HISTORY_SHAPE} spells it. */
    static HistoryShape parse(String value) {
        for (HistoryShape shape : values()) {
            if (shape.spelling().equals(value.toLowerCase(Locale.ROOT))) {
                return shape;
            }
        }
        throw new IllegalArgumentException("expected documented or with-input, got " + value);
    }

    String spelling() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
