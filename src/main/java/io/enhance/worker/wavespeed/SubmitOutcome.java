package io.enhance.worker.wavespeed;

/** What a submit POST did, as far as the worker can know. */
public sealed interface SubmitOutcome {

    /** WaveSpeed created the prediction. */
    record Accepted(Prediction prediction) implements SubmitOutcome {
    }

    /**
     * Nothing was created (rate limited, unavailable, unreachable): the job may be submitted again
     * later, but not before {@code retryAfter} if WaveSpeed said so. {@code rateLimited}: it answered 429.
     */
    record NotCreated(String reason, java.util.Optional<java.time.Duration> retryAfter, boolean rateLimited)
            implements SubmitOutcome {

        public NotCreated(String reason) {
            this(reason, java.util.Optional.empty(), false);
        }

        static NotCreated rateLimited(String reason) {
            return new NotCreated(reason, java.util.Optional.empty(), true);
        }

        NotCreated retryingAfter(java.util.Optional<java.time.Duration> after) {
            return new NotCreated(reason, after, rateLimited);
        }
    }

    /** WaveSpeed refused the account (key, permissions, balance): nothing was created, and nothing will be until that changes. */
    record AccountRefused(String reason) implements SubmitOutcome {
    }

    /**
     * WaveSpeed refused this request with an account-level status (401, 402, 403...) while the free balance
     * call shows the account in good standing: the refusal belongs to the request, not to the account.
     */
    record Refused(String reason) implements SubmitOutcome {
    }

    /** WaveSpeed refused the parameters; submitting again would fail the same way. */
    record Invalid(String message) implements SubmitOutcome {
    }

    /** The request may have reached WaveSpeed and created a paid task, or not. */
    record Unknown(String reason) implements SubmitOutcome {
    }
}
