package io.enhance.worker.emulator;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/** Checks a submit body against the model page's parameter table; unknown fields are ignored. */
final class SubmitValidator {

    private static final Set<String> OUTPUT_FORMATS = Set.of("jpeg", "png");
    /** A limit of our own [guess]: its error quotes the prompt, as validation errors of real APIs often do. */
    static final int MAX_PROMPT_CHARS = 2000;

    private SubmitValidator() {
    }

    static SubmitRequest validate(JsonNode body, String webhookUrl) {
        if (!body.isObject()) {
            throw ApiException.badRequest("Request body must be a JSON object");
        }
        SubmitRequest request = new SubmitRequest(
                requiredPrompt(body),
                requiredImage(body),
                number(body, "strength", SubmitRequest.DEFAULT_STRENGTH, 0.0, 1.0),
                (int) integer(body, "num_inference_steps", SubmitRequest.DEFAULT_STEPS, 1, 50),
                integer(body, "seed", SubmitRequest.RANDOM_SEED, -1, Integer.MAX_VALUE),
                number(body, "guidance_scale", SubmitRequest.DEFAULT_GUIDANCE, 1.0, 20.0),
                outputFormat(body),
                bool(body, "enable_base64_output"),
                bool(body, "enable_sync_mode"));
        if (request.base64Output() && webhookUrl != null) {
            throw ApiException.badRequest("enable_base64_output cannot be used together with a webhook: "
                    + "base64 outputs are not delivered to webhooks");
        }
        return request;
    }

    /** Also used for the {@code webhook} query parameter. */
    static boolean isHttpUrl(String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String requiredPrompt(JsonNode body) {
        JsonNode prompt = body.get("prompt");
        if (absent(prompt)) {
            throw ApiException.badRequest("prompt is required");
        }
        if (!prompt.isTextual() || prompt.asText().isBlank()) {
            throw ApiException.badRequest("prompt must be a non-empty string");
        }
        String text = prompt.asText();
        if (text.length() > MAX_PROMPT_CHARS) {
            throw ApiException.badRequest("prompt must be at most " + MAX_PROMPT_CHARS + " characters, got "
                    + text.length() + ": \"" + text.substring(0, 40) + "...\"");
        }
        return prompt.asText();
    }

    private static String requiredImage(JsonNode body) {
        JsonNode image = body.get("image");
        if (absent(image)) {
            throw ApiException.badRequest("image is required: the URL of the image to enhance");
        }
        if (!image.isTextual() || !isHttpUrl(image.asText())) {
            throw ApiException.badRequest("image must be an http or https URL string");
        }
        return image.asText();
    }

    private static double number(JsonNode body, String field, double fallback, double min, double max) {
        JsonNode value = body.get(field);
        if (absent(value)) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw ApiException.badRequest(field + " must be a number between " + min + " and " + max);
        }
        double number = value.asDouble();
        if (number < min || number > max) {
            throw ApiException.badRequest(field + " must be between " + min + " and " + max + ", got " + value.asText());
        }
        return number;
    }

    private static long integer(JsonNode body, String field, long fallback, long min, long max) {
        JsonNode value = body.get(field);
        if (absent(value)) {
            return fallback;
        }
        if (!value.isIntegralNumber()) {
            throw ApiException.badRequest(field + " must be an integer between " + min + " and " + max);
        }
        if (!value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
            throw ApiException.badRequest(field + " must be between " + min + " and " + max + ", got " + value.asText());
        }
        return value.asLong();
    }

    private static String outputFormat(JsonNode body) {
        JsonNode value = body.get("output_format");
        if (absent(value)) {
            return SubmitRequest.DEFAULT_FORMAT;
        }
        if (!value.isTextual() || !OUTPUT_FORMATS.contains(value.asText())) {
            throw ApiException.badRequest("output_format must be one of jpeg, png, got " + value);
        }
        return value.asText();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (absent(value)) {
            return false;
        }
        if (!value.isBoolean()) {
            throw ApiException.badRequest(field + " must be a boolean, got " + value);
        }
        return value.asBoolean();
    }

    private static boolean absent(JsonNode value) {
        return value == null || value.isNull();
    }
}
