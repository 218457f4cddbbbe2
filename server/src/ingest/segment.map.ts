import type { Draft } from './event.validate.js';
import type { Mapped } from './posthog.map.js';
import { NAMESPACE, uuidV5 } from './uuid.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const id = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' && v.trim() !== '' ? v : undefined);

export const SEGMENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];

const eventName: Record<Exclude<SegmentType, 'track'>, string> = {
  page: '$pageview',
  screen: '$screen',
  identify: '$identify',
  group: '$groupidentify',
  alias: '$create_alias',
};

/** Segment `context` → the `$` properties Cairn's common columns read. Only what is present. */
export function flattenContext(context: unknown): Record<string, unknown> {
  if (!isObject(context)) return {};
  const out: Record<string, unknown> = {};
  const page = isObject(context.page) ? context.page : {};
  const library = isObject(context.library) ? context.library : {};
  const os = isObject(context.os) ? context.os : {};
  const device = isObject(context.device) ? context.device : {};
  const campaign = isObject(context.campaign) ? context.campaign : {};
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '') out[k] = v;
  };
  set('$current_url', page.url);
  set('$pathname', page.path);
  set('$referrer', page.referrer);
  set('$title', page.title);
  set('$ip', context.ip);
  set('$lib', library.name);
  set('$lib_version', library.version);
  set('$user_agent', context.userAgent);
  set('$locale', context.locale);
  set('$timezone', context.timezone);
  set('$os', os.name);
  set('$os_version', os.version);
  set('$device_type', device.type);
  for (const [k, v] of Object.entries(campaign)) set(`utm_${k === 'name' ? 'campaign' : k}`, v);
  return out;
}

function segmentItem(item: unknown, type: string | undefined, batch: { context?: unknown; sentAt?: unknown }): Draft {
  if (!isObject(item)) return { raw: item, invalid: { reason: 'invalid_event', detail: 'a call must be a JSON object' }, event: undefined, distinctId: undefined };
  const t = (str(item.type) ?? type) as SegmentType | undefined;
  if (!t || !SEGMENT_TYPES.includes(t)) {
    return { raw: item, invalid: { reason: 'invalid_event', detail: `unknown Segment call type ${String(item.type ?? type)}` }, event: undefined, distinctId: undefined };
  }
  const context = isObject(batch.context) || isObject(item.context) ? { ...(isObject(batch.context) ? batch.context : {}), ...(isObject(item.context) ? item.context : {}) } : undefined;
  const userId = id(item.userId);
  const anonymousId = id(item.anonymousId);
  const given = item.properties;
  if (given !== undefined && given !== null && !isObject(given)) {
    return { raw: item, invalid: { reason: 'invalid_properties', detail: 'properties must be an object' }, event: undefined, distinctId: undefined };
  }
  const properties: Record<string, unknown> = { ...flattenContext(context), ...(isObject(given) ? given : {}) };
  let set: unknown;
  if (t === 'page' || t === 'screen') {
    if (item.name !== undefined) properties[t === 'screen' ? '$screen_name' : 'name'] = item.name;
    if (typeof properties.url === 'string' && !(isObject(given) && '$current_url' in given)) properties.$current_url = properties.url;
    if (typeof properties.path === 'string' && !(isObject(given) && '$pathname' in given)) properties.$pathname = properties.path;
  }
  if (t === 'identify') {
    set = item.traits;
    if (userId && anonymousId && userId !== anonymousId) properties.$anon_distinct_id = anonymousId;
  }
  if (t === 'group') {
    properties.$group_type = 'group';
    properties.$group_key = item.groupId;
    if (item.traits !== undefined) properties.$group_set = item.traits;
  }
  if (t === 'alias') {
    const previous = id(item.previousId);
    if (previous) properties.alias = previous;
  }
  if (anonymousId && userId && t !== 'identify') properties.$anonymous_id = anonymousId;
  const messageId = id(item.messageId);
  return {
    raw: item,
    event: t === 'track' ? item.event : eventName[t],
    distinctId: userId ?? anonymousId,
    timestamp: item.timestamp ?? item.originalTimestamp,
    sentAt: item.sentAt ?? batch.sentAt,
    skewCorrect: true,
    uuid: messageId ? uuidV5(NAMESPACE.segmentMessage, messageId) : undefined,
    properties,
    set,
  };
}

/** Segment HTTP tracking API bodies: one call (`type` from the path) or `{ batch, context?, writeKey? }`. */
export function mapSegment(payload: unknown, pathType: SegmentType | 'batch'): Mapped {
  if (pathType === 'batch') {
    if (!isObject(payload) || !Array.isArray(payload.batch)) {
      return { drafts: [{ raw: payload, invalid: { reason: 'invalid_event', detail: 'a Segment batch needs a batch array' }, event: undefined, distinctId: undefined }] };
    }
    const batch = payload.batch as unknown[];
    return {
      token: str(payload.writeKey) ?? batch.map((i) => (isObject(i) ? str(i.writeKey) : undefined)).find(Boolean),
      drafts: batch.map((i) => segmentItem(i, undefined, { context: payload.context, sentAt: payload.sentAt })),
    };
  }
  return {
    token: isObject(payload) ? str(payload.writeKey) : undefined,
    drafts: [segmentItem(payload, pathType, {})],
  };
}
