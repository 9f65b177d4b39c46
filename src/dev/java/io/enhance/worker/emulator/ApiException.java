package io.enhance.worker.emulator;

/**
 * An API error answered as {@code {"code":status,"message":...,"data":null}} with that HTTP status,
 * or, for a gateway error, as the short HTML page a proxy in front of the API would send.
 */
final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final boolean gateway;

    ApiException(int status, String message) {
        this(status, message, false);
    }

    private ApiException(int status, String message, boolean gateway) {
        super(message, null, false, false);
        this.status = status;
        this.gateway = gateway;
    }

    static ApiException gateway(int status) {
        return new ApiException(status, status == 502 ? "502 Bad Gateway" : status + " Gateway Timeout", true);
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    int status() {
        return status;
    }

    boolean gateway() {
        return gateway;
    }
}
