package io.enhance.worker.submission;

/** The source image is missing or forbidden: trying again cannot help, so its job fails at once. */
class SourceUnavailableException extends RuntimeException {

    SourceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
