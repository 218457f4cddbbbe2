import type { IngestEvent } from './event.js';
import { isUuid, newUuid } from './uuid.js';

/**
 * One item of a capture request after its dialect was mapped to Cairn's field names, not yet
 * checked. `raw` is the item as sent, kept for the dead-letter table.
 */
export interface Draft {
  raw: unknown;
  /** Set by a dialect mapper that already knows the item is unusable. */
  invalid?: { reason: string; detail: string };
  event: unknown;
  distinctId: unknown;
  timestamp?: unknown;
  /** PostHog `offset`: milliseconds before `sentAt` (or receipt) the event happened. */
  offsetMs?: unknown;
  /** When the client sent the request, by its own clock. */
  sentAt?: unknown;
  /** Segment: correct `timestamp` by the client's clock skew (receivedAt − sentAt). */
  skewCorrect?: boolean;
  uuid?: unknown;
  properties?: unknown;
  set?: unknown;
  setOnce?: unknown;
}

export type Verdict = { ok: true; event: IngestEvent } | { ok: false; reason: string; detail: string };

export interface ValidateContext {
  projectId: string;
  orgId: string;
  receivedAt: Date;
}

/** Timestamps further ahead than this are clamped to the time of receipt (and flagged). */
export const MAX_FUTURE_MS = 23 * 3600_000;
const MAX_NAME = 200;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ms since epoch, or NaN. Strings must start like a date: `Date.parse` alone accepts "1". */
export function parseTime(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : Number.NaN;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(v.trim())) return Number.NaN;
  return Date.parse(v.trim());
}

const reject = (reason: string, detail: string): Verdict => ({ ok: false, reason, detail });

/** Checks one draft and turns it into an IngestEvent, or says why it goes to the dead-letter table. */
export function validateDraft(d: Draft, ctx: ValidateContext): Verdict {
  if (d.invalid) return reject(d.invalid.reason, d.invalid.detail);
  if (d.event === undefined || d.event === null || d.event === '') return reject('missing_event', 'the event has no name');
  if (typeof d.event !== 'string') return reject('invalid_event', 'the event name must be a string');
  const event = d.event.trim().slice(0, MAX_NAME);
  if (!event) return reject('missing_event', 'the event name is blank');

  const did = typeof d.distinctId === 'number' && Number.isFinite(d.distinctId) ? String(d.distinctId) : d.distinctId;
  if (did === undefined || did === null || did === '') return reject('missing_distinct_id', 'the event has no distinct id');
  if (typeof did !== 'string') return reject('invalid_distinct_id', 'the distinct id must be a string or a number');
  const distinctId = did.trim().slice(0, MAX_NAME);
  if (!distinctId) return reject('missing_distinct_id', 'the distinct id is blank');

  const properties = d.properties ?? {};
  if (!isObject(properties)) return reject('invalid_properties', 'properties must be an object');
  for (const [name, v] of [['$set', d.set], ['$set_once', d.setOnce]] as const) {
    if (v !== undefined && v !== null && !isObject(v)) return reject('invalid_properties', `${name} must be an object`);
  }

  const flags: string[] = [];
  const received = ctx.receivedAt.getTime();
  const sentAt = d.sentAt === undefined || d.sentAt === null ? Number.NaN : parseTime(d.sentAt);
  let ts: number;
  if (d.timestamp !== undefined && d.timestamp !== null && d.timestamp !== '') {
    ts = parseTime(d.timestamp);
    if (Number.isNaN(ts)) return reject('invalid_timestamp', 'the timestamp is not an ISO 8601 date or epoch milliseconds');
    if (d.skewCorrect && !Number.isNaN(sentAt)) ts += received - sentAt;
  } else if (typeof d.offsetMs === 'number' && Number.isFinite(d.offsetMs)) {
    ts = (Number.isNaN(sentAt) ? received : sentAt) - d.offsetMs;
  } else {
    ts = received;
  }
  if (ts < 0 || Number.isNaN(new Date(ts).getTime())) return reject('invalid_timestamp', 'the timestamp is before 1970');
  if (ts > received + MAX_FUTURE_MS) {
    ts = received;
    flags.push('timestamp_clamped');
  }

  let uuid: string;
  if (isUuid(d.uuid)) uuid = d.uuid.toLowerCase();
  else {
    uuid = newUuid();
    if (d.uuid !== undefined && d.uuid !== null && d.uuid !== '') flags.push('uuid_replaced');
  }

  const set = isObject(d.set) && Object.keys(d.set).length > 0 ? d.set : undefined;
  const setOnce = isObject(d.setOnce) && Object.keys(d.setOnce).length > 0 ? d.setOnce : undefined;
  return {
    ok: true,
    event: {
      uuid,
      projectId: ctx.projectId,
      orgId: ctx.orgId,
      event,
      distinctId,
      timestamp: new Date(ts).toISOString(),
      receivedAt: ctx.receivedAt.toISOString(),
      properties,
      ...(set ? { set } : {}),
      ...(setOnce ? { setOnce } : {}),
      flags,
    },
  };
}
