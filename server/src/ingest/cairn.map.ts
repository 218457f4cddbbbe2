import { posthogItem, type Mapped } from './posthog.map.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Cairn's own capture body: one event `{ token, event, distinct_id, properties?, timestamp?, uuid?, $set?, $set_once? }`
 * or `{ token, batch: [event, ...], sent_at? }`. Field names are PostHog's, so one mapper serves both.
 */
export function mapCairn(payload: unknown): Mapped {
  if (isObject(payload) && Array.isArray(payload.batch)) {
    return {
      token: str(payload.token) ?? str(payload.api_key),
      drafts: payload.batch.map((i) => posthogItem(i, { sentAt: payload.sent_at })),
    };
  }
  if (isObject(payload)) return { token: str(payload.token) ?? str(payload.api_key), drafts: [posthogItem(payload)] };
  return { drafts: [posthogItem(payload)] };
}
