package io.enhance.worker.cli;

/** Bad command-line input: the command prints the message and its usage, and exits 2 before doing anything. */
public class UsageException extends Exception {

    public UsageException(String message) {
        super(message);
    }
}
