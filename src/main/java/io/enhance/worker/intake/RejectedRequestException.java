package io.enhance.worker.intake;

/** Carried by the nack of a request that was rejected, so the broker dead-letters it. */
class RejectedRequestException extends RuntimeException {

    RejectedRequestException(String message) {
        super(message, null, false, false);
    }
}
