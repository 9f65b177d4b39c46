package io.enhance.worker.intake;

/** One problem with a rejected request: the field (JSON path) and what is wrong with it. */
public record RequestProblem(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
