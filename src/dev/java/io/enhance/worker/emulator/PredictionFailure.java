package io.enhance.worker.emulator;

/** Ends a prediction as {@code failed}; the message becomes its {@code error}. */
final class PredictionFailure extends Exception {

    private static final long serialVersionUID = 1L;

    PredictionFailure(String message) {
        super(message, null, false, false);
    }
}
