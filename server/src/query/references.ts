import type { Query } from './definitions.js';

/** Something a definition names that must exist, with where it is (for the 400's field path). */
export type Reference =
  | { kind: 'event'; name: string; path: string }
  | { kind: 'property'; type: 'event' | 'person'; key: string; path: string }
  | { kind: 'regex'; pattern: string; path: string }
  | { kind: 'cohort'; id: string; path: string };

const EVENT_KEYS = new Set(['event', 'startEvent', 'endEvent']);
const EVENT_LIST_KEYS = new Set(['events', 'includeEvents']);

/** Every event, property, regex and cohort a definition refers to. Pure. */
export function referencesOf(query: Query, base = 'query'): Reference[] {
  const out: Reference[] = [];
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) return node.forEach((x, i) => visit(x, `${path}.${i}`));
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.type === 'cohort' && typeof o.cohortId === 'string') out.push({ kind: 'cohort', id: o.cohortId, path: `${path}.cohortId` });
    if (o.type === 'cohort' && Array.isArray(o.cohortIds))
      o.cohortIds.forEach((id, i) => typeof id === 'string' && out.push({ kind: 'cohort', id, path: `${path}.cohortIds.${i}` }));
    if ((o.type === 'event' || o.type === 'person') && typeof o.key === 'string') {
      out.push({ kind: 'property', type: o.type, key: o.key, path: `${path}.key` });
      if (o.operator === 'regex') out.push({ kind: 'regex', pattern: String(o.value), path: `${path}.value` });
    }
    for (const [k, v] of Object.entries(o)) {
      if (EVENT_KEYS.has(k) && typeof v === 'string') out.push({ kind: 'event', name: v, path: `${path}.${k}` });
      else if (EVENT_LIST_KEYS.has(k) && Array.isArray(v))
        v.forEach((name, i) => typeof name === 'string' && out.push({ kind: 'event', name, path: `${path}.${k}.${i}` }));
      else if (k === 'property' && typeof v === 'string') out.push({ kind: 'property', type: 'event', key: v, path: `${path}.property` });
      else if (v && typeof v === 'object') visit(v, `${path}.${k}`);
    }
  };
  visit(query, base);
  return out;
}
