import { createHash } from 'node:crypto';

/**
 * Answers by (project, definition, data freshness). The freshness token changes whenever a
 * part of the event or person tables changes (insert, merge, mutation), so an entry is never
 * served after the data it was computed from changed. Bounded LRU in process memory.
 */
export class QueryCache<V> {
  private readonly map = new Map<string, { value: V; at: string }>();
  constructor(private readonly maxEntries: number) {}

  static key(parts: unknown): string {
    return createHash('sha256').update(stableJson(parts)).digest('hex');
  }

  get(key: string): { value: V; at: string } | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit;
  }

  set(key: string, value: V): string {
    const at = new Date().toISOString();
    if (this.maxEntries <= 0) return at;
    this.map.delete(key);
    this.map.set(key, { value, at });
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value!);
    return at;
  }

  get size() {
    return this.map.size;
  }
}

/** JSON with object keys sorted, so equal definitions hash equally whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}
