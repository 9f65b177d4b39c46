package io.enhance.worker.intake;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;


/**
 * The FLUX.1 SRPO image-to-image parameters with the model page's types, defaults and ranges. The names
 * are public so that the command-line client refuses an unknown {@code --param} before sending anything.
 */
public final class ModelParameters {

    private static final Set<String> FORMATS = Set.of("jpeg", "png");
    public static final List<String> NAMES = List.of("prompt", "image", "strength", "num_inference_steps", "seed",
            "guidance_scale", "output_format", "enable_base64_output", "enable_sync_mode");

    private ModelParameters() {
    }

    /** Checks {@code input} and returns it with defaults filled in; every problem is added to {@code problems}. */
    static Map<String, Object> validate(JsonNode input, List<RequestProblem> problems) {
        Map<String, Object> values = new LinkedHashMap<>();
        input.fieldNames().forEachRemaining(name -> {
            if (!NAMES.contains(name)) {
                problems.add(new RequestProblem("input." + name, "unknown parameter; expected one of " + NAMES));
            }
        });
        text(input, "prompt", problems).ifPresentOrElse(
                prompt -> values.put("prompt", prompt),
                () -> missing(input, "prompt", problems));
        text(input, "image", problems).ifPresentOrElse(image -> {
            SourceImage.problemWith(image).ifPresent(p -> problems.add(new RequestProblem("input.image", p)));
            values.put("image", image);
        }, () -> missing(input, "image", problems));
        values.put("strength", number(input, "strength", 0.8, 0.0, 1.0, problems));
        values.put("num_inference_steps", integer(input, "num_inference_steps", 28, 1, 50, problems));
        values.put("seed", integer(input, "seed", -1, -1, Integer.MAX_VALUE, problems));
        values.put("guidance_scale", number(input, "guidance_scale", 3.5, 1.0, 20.0, problems));
        String format = text(input, "output_format", problems).orElse("jpeg");
        if (!FORMATS.contains(format)) {
            problems.add(new RequestProblem("input.output_format", "must be \"jpeg\" or \"png\", got \"" + format + "\""));
        }
        values.put("output_format", format);
        values.put("enable_base64_output", bool(input, "enable_base64_output", problems));
        values.put("enable_sync_mode", bool(input, "enable_sync_mode", problems));
        return values;
    }

    private static void missing(JsonNode input, String name, List<RequestProblem> problems) {
        if (!input.has(name) || input.get(name).isNull()) {
            problems.add(new RequestProblem("input." + name, "is required"));
        }
    }

    private static java.util.Optional<String> text(JsonNode input, String name, List<RequestProblem> problems) {
        JsonNode value = input.get(name);
        if (value == null || value.isNull()) {
            return java.util.Optional.empty();
        }
        if (!value.isTextual()) {
            problems.add(new RequestProblem("input." + name, "must be a string, got " + value.getNodeType()));
            return java.util.Optional.empty();
        }
        if (value.asText().isBlank()) {
            problems.add(new RequestProblem("input." + name, "must not be blank"));
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(value.asText());
    }

    private static double number(JsonNode input, String name, double fallback, double min, double max,
            List<RequestProblem> problems) {
        JsonNode value = input.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isNumber()) {
            problems.add(new RequestProblem("input." + name, "must be a number, got " + value.getNodeType()));
            return fallback;
        }
        double number = value.asDouble();
        if (number < min || number > max) {
            problems.add(new RequestProblem("input." + name, "must be between " + min + " and " + max + ", got " + value));
        }
        return number;
    }

    private static long integer(JsonNode input, String name, long fallback, long min, long max,
            List<RequestProblem> problems) {
        JsonNode value = input.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber()) {
            problems.add(new RequestProblem("input." + name, "must be an integer, got " + value));
            return fallback;
        }
        long number = value.asLong();
        if (!value.canConvertToLong() || number < min || number > max) {
            problems.add(new RequestProblem("input." + name, "must be between " + min + " and " + max + ", got " + value));
        }
        return number;
    }

    private static boolean bool(JsonNode input, String name, List<RequestProblem> problems) {
        JsonNode value = input.get(name);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            problems.add(new RequestProblem("input." + name, "must be true or false, got " + value));
            return false;
        }
        return value.asBoolean();
    }
}
