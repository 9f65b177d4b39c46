package io.enhance.worker.emulator;

/** Injected fault: the connection is closed without any answer. */
final class DroppedConnection extends RuntimeException {

    DroppedConnection() {
        super("connection dropped on purpose", null, false, false);
    }
}
