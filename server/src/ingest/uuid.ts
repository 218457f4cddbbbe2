import { createHash, randomUUID } from 'node:crypto';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_RE.test(v);

/** Namespaces for the name-based ids Cairn derives (fixed forever: changing one changes every id). */
export const NAMESPACE = {
  /** Segment messageId → event uuid. */
  segmentMessage: '5f0f2b8e-3a51-4c55-9a7c-2b1d4f8f6a01',
  /** (project id, distinct id) → the person created for a distinct id seen for the first time. */
  person: '9d3c7d0e-8c0b-4f43-a7d5-3f2c6f1e9b02',
} as const;

/** RFC 4122 version 5 (SHA-1, name-based): the same namespace and name always give the same uuid. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export const newUuid = (): string => randomUUID();
