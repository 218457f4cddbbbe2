import type { IHeaders, Message } from 'kafkajs';
import { z } from 'zod';
import type { DeadLetter, IngestEvent } from '../event.js';
import { isUuid } from '../uuid.js';

/**
 * The wire format of the events topic: key `projectId:distinctId` (one user's events land in
 * one partition, so they stay in order), value the IngestEvent as JSON, and headers naming the
 * tenant so a message that cannot be decoded can still be dead-lettered to its organization.
 */
export const HEADER = {
  format: 'cairn-format',
  orgId: 'cairn-org-id',
  projectId: 'cairn-project-id',
  reason: 'cairn-dead-letter-reason',
  detail: 'cairn-dead-letter-detail',
  sourceTopic: 'cairn-source-topic',
  sourcePartition: 'cairn-source-partition',
  sourceOffset: 'cairn-source-offset',
} as const;

export const FORMAT = 'ingest-event+json;v=1';

/** Used for a dead letter whose tenant cannot be told: it lands in the shared database. */
export const UNKNOWN_TENANT = '00000000-0000-0000-0000-000000000000';

export const messageKey = (e: Pick<IngestEvent, 'projectId' | 'distinctId'>) => `${e.projectId}:${e.distinctId}`;

export function encodeEvent(e: IngestEvent): Message & { value: string } {
  return {
    key: messageKey(e),
    value: JSON.stringify(e),
    headers: { [HEADER.format]: FORMAT, [HEADER.orgId]: e.orgId, [HEADER.projectId]: e.projectId },
  };
}

const uuid = z.string().refine(isUuid, 'must be a UUID');
const instant = z.string().refine((v) => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) return false;
  const year = new Date(t).getUTCFullYear();
  return year >= 1900 && year <= 2299;
}, 'must be an ISO 8601 timestamp between 1900 and 2299');
const object = z.record(z.string(), z.unknown());

const eventSchema = z.object({
  uuid,
  projectId: uuid,
  orgId: uuid,
  event: z.string().min(1).max(10_000),
  distinctId: z.string().min(1).max(10_000),
  timestamp: instant,
  receivedAt: instant,
  properties: object,
  set: object.optional(),
  setOnce: object.optional(),
  flags: z.array(z.string()),
});

export type Decoded =
  | { ok: true; event: IngestEvent }
  | { ok: false; reason: 'empty_message' | 'unparseable_message' | 'invalid_event'; detail: string; tenant?: Tenant };

/** Who a message belongs to, as far as can be told. */
export interface Tenant {
  orgId?: unknown;
  projectId?: unknown;
}

/** Decodes one message of the events topic. Never throws: a bad message is a result, for the dead letter. */
export function decodeEvent(value: Buffer | null): Decoded {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty_message', detail: 'the message has no value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: 'unparseable_message', detail: `not JSON: ${(err as Error).message}` };
  }
  const r = eventSchema.safeParse(parsed);
  if (!r.success) {
    const detail = r.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    const o = typeof parsed === 'object' && parsed !== null ? (parsed as Tenant) : {};
    return { ok: false, reason: 'invalid_event', detail, tenant: { orgId: o.orgId, projectId: o.projectId } };
  }
  // The object as sent, not zod's copy: a field a newer gateway added must survive this hop.
  return { ok: true, event: parsed as IngestEvent };
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}

/** The bytes as text when they are valid UTF-8, else base64 (marked), so nothing sent is lost. */
export function payloadText(value: Buffer | null): string {
  if (value === null) return '';
  const text = value.toString('utf8');
  return Buffer.byteLength(text, 'utf8') === value.length && Buffer.from(text, 'utf8').equals(value) ? text : `base64:${value.toString('base64')}`;
}

/** The dead-letter row of a message that could not be decoded; the tenant from its headers, else from its body. */
export function deadLetterOf(
  message: { value: Buffer | null; headers?: IHeaders },
  failure: { reason: string; detail: string; tenant?: Tenant },
  receivedAt: string,
): DeadLetter {
  const pick = (...candidates: unknown[]) => (candidates.find(isUuid) as string | undefined) ?? UNKNOWN_TENANT;
  return {
    orgId: pick(header(message.headers, HEADER.orgId), failure.tenant?.orgId),
    projectId: pick(header(message.headers, HEADER.projectId), failure.tenant?.projectId),
    receivedAt,
    reason: failure.reason,
    detail: failure.detail,
    payload: payloadText(message.value),
    source: 'kafka',
  };
}
