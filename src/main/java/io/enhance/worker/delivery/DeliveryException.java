package io.enhance.worker.delivery;

/** Copying an output failed; {@code permanent} says whether trying again could help. */
class DeliveryException extends Exception {

    final boolean permanent;
    final String code;

    private DeliveryException(String code, String message, boolean permanent, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.permanent = permanent;
    }

    static DeliveryException permanent(String code, String message) {
        return new DeliveryException(code, message, true, null);
    }

    static DeliveryException transientFailure(String message, Throwable cause) {
        return new DeliveryException("delivery_unavailable", message, false, cause);
    }
}
