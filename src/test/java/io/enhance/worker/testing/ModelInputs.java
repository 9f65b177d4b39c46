package io.enhance.worker.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/** Model parameters as intake stores them and the worker submits them: every default filled in. */
public final class ModelInputs {

    private ModelInputs() {
    }

    /** A mutable map, so that a test can change one field. */
    public static Map<String, Object> withDefaults(String prompt, String image) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("prompt", prompt);
        input.put("image", image);
        input.put("strength", 0.8);
        input.put("num_inference_steps", 28);
        input.put("seed", -1);
        input.put("guidance_scale", 3.5);
        input.put("output_format", "jpeg");
        input.put("enable_base64_output", false);
        input.put("enable_sync_mode", false);
        return input;
    }
}
