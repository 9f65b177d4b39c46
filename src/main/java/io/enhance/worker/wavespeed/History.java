package io.enhance.worker.wavespeed;

import java.util.List;

/**
 * Predictions WaveSpeed's history call lists for a time window, as documented: no request, only what a
 * result shows (id, status, outputs, created_at). {@code complete} is false when the listing was cut
 * short, so that an absence in it proves nothing.
 */
public record History(List<Prediction> entries, boolean complete) {
}
