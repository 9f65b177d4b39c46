package io.enhance.worker.emulator;

/** The validated parameters of one flux-1-srpo image-to-image submit, defaults filled in. */
record SubmitRequest(
        String prompt,
        String image,
        double strength,
        int numInferenceSteps,
        long seed,
        double guidanceScale,
        String outputFormat,
        boolean base64Output,
        boolean syncMode) {

    static final double DEFAULT_STRENGTH = 0.8;
    static final int DEFAULT_STEPS = 28;
    static final long RANDOM_SEED = -1;
    static final double DEFAULT_GUIDANCE = 3.5;
    static final String DEFAULT_FORMAT = "jpeg";

    String contentType() {
        return "png".equals(outputFormat) ? "image/png" : "image/jpeg";
    }
}
