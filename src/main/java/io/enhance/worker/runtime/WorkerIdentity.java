package io.enhance.worker.runtime;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

/** Names this worker process in leases, so a reclaimed job shows whose lease ran out. */
@ApplicationScoped
public class WorkerIdentity {

    private final String name = ProcessHandle.current().pid() + "@" + hostName() + "/"
            + UUID.randomUUID().toString().substring(0, 8);

    public String name() {
        return name;
    }

    private static String hostName() {
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "localhost" : host;
    }
}
