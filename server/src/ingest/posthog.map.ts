import type { Draft } from './event.validate.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export interface Mapped {
  /** The project token the payload names, if it names one. */
  token?: string;
  drafts: Draft[];
}

/** Merges the top-level `$set` and `properties.$set` (top level wins). */
function personProps(item: Record<string, unknown>, props: unknown, key: '$set' | '$set_once'): unknown {
  const inner = isObject(props) ? props[key] : undefined;
  const outer = item[key];
  if (outer === undefined || outer === null) return inner;
  if (inner === undefined || inner === null) return outer;
  return isObject(outer) && isObject(inner) ? { ...inner, ...outer } : outer;
}

/** One PostHog event object → draft. Also serves Cairn's own capture, which uses the same field names. */
export function posthogItem(item: unknown, opts: { sentAt?: unknown; defaultEvent?: string } = {}): Draft {
  if (!isObject(item)) return { raw: item, invalid: { reason: 'invalid_event', detail: 'an event must be a JSON object' }, event: undefined, distinctId: undefined };
  const props = item.properties;
  const p = isObject(props) ? props : undefined;
  return {
    raw: item,
    event: item.event ?? opts.defaultEvent,
    distinctId: item.distinct_id ?? item.$distinct_id ?? p?.distinct_id,
    timestamp: item.timestamp,
    offsetMs: item.offset,
    sentAt: item.sent_at ?? opts.sentAt,
    uuid: item.uuid,
    properties: props,
    set: personProps(item, props, '$set'),
    setOnce: personProps(item, props, '$set_once'),
  };
}

function itemToken(item: unknown): string | undefined {
  if (!isObject(item)) return undefined;
  const p = isObject(item.properties) ? item.properties : {};
  return str(item.api_key) ?? str(item.token) ?? str(item.$token) ?? str(p.token) ?? str(p.$token);
}

/**
 * PostHog capture bodies: one event, an array of events, or `{ api_key|token, batch, sent_at }`.
 * `/engage` items carry no event name: they are person updates, stored as `$set` events.
 */
export function mapPosthog(payload: unknown, opts: { engage?: boolean; sentAtMs?: number } = {}): Mapped {
  const defaultEvent = opts.engage ? '$set' : undefined;
  const fallbackSentAt = opts.sentAtMs;
  if (Array.isArray(payload)) {
    return { token: payload.map(itemToken).find(Boolean), drafts: payload.map((i) => posthogItem(i, { defaultEvent, sentAt: fallbackSentAt })) };
  }
  if (isObject(payload) && 'batch' in payload) {
    const batch = payload.batch;
    const sentAt = payload.sent_at ?? fallbackSentAt;
    const items = Array.isArray(batch) ? batch : [batch];
    return {
      token: str(payload.api_key) ?? str(payload.token) ?? items.map(itemToken).find(Boolean),
      drafts: items.map((i) => posthogItem(i, { sentAt, defaultEvent })),
    };
  }
  return { token: itemToken(payload), drafts: [posthogItem(payload, { defaultEvent, sentAt: fallbackSentAt })] };
}
