/**
 * The one internal event every capture dialect (Cairn, PostHog, Segment) normalises to
 * before the bus. Everything here is validated; raw payloads that fail validation go to
 * the dead-letter table instead.
 */
export interface IngestEvent {
  uuid: string;
  projectId: string;
  orgId: string;
  event: string;
  distinctId: string;
  /** ISO 8601, UTC, microsecond precision at most. */
  timestamp: string;
  receivedAt: string;
  properties: Record<string, unknown>;
  /** Person properties to set (`$set`, Segment identify traits) and to set once. */
  set?: Record<string, unknown>;
  setOnce?: Record<string, unknown>;
  /** Notes about what the gateway corrected, e.g. `timestamp_clamped`. */
  flags: string[];
}

/**
 * An event (or whole payload item) that failed validation, kept with the reason so nothing is
 * dropped silently. `payload` is the item as it was sent (JSON text), `source` the dialect or
 * pipeline that rejected it (`cairn`, `posthog`, `segment`, `kafka`, …).
 */
export interface DeadLetter {
  projectId: string;
  orgId: string;
  receivedAt: string;
  /** Stable machine-readable reason, e.g. `missing_event`, `missing_distinct_id`, `invalid_timestamp`. */
  reason: string;
  /** Human-readable detail. */
  detail: string;
  payload: string;
  source: string;
}
