package io.enhance.worker.intake;

import io.enhance.worker.tracing.TraceContext;

/**
 * A request message as it arrived, read and validated on arrival, so that storing it (in a batch)
 * is all that is left to do.
 *
 * @param messageId the AMQP message-id, if the sender set one
 * @param redelivered the broker delivered the message before, so failed attempts may be counted for it
 * @param digest the validated request's digest; null for an invalid one
 * @param trace the context of the message's intake span, stored with its job and put on its rejection
 */
public record RequestMessage(byte[] body, String messageId, boolean redelivered, JobRequestParser.Parsed parsed,
        String digest, TraceContext trace) {

    static RequestMessage read(JobRequestParser parser, byte[] body, String messageId, boolean redelivered,
            TraceContext trace) {
        JobRequestParser.Parsed parsed = parser.parse(body);
        return new RequestMessage(body, messageId, redelivered, parsed, parsed.valid() ? parsed.request().digest() : null,
                trace);
    }

    /** The job this message asks for; null for an invalid one. */
    JobRequest request() {
        return parsed.request();
    }
}
