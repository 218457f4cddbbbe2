import type { IngestEvent } from './event.js';
import { NAMESPACE, uuidV5 } from './uuid.js';

export interface PersonRow {
  properties: Record<string, unknown>;
  createdAt: string;
}

/** Reads the committed person state of one project (ClickHouse, through the writer's cache). */
export interface PersonLoader {
  /** The current person of each distinct id that has one. */
  personIds(projectId: string, distinctIds: string[]): Promise<Map<string, string>>;
  /** Every distinct id currently mapped to the person. */
  distinctIdsOf(projectId: string, personId: string): Promise<string[]>;
  persons(projectId: string, personIds: string[]): Promise<Map<string, PersonRow>>;
}

export interface PersonChanges {
  /** New or moved distinct ids (distinct id → person). */
  distinctIds: Map<string, string>;
  /** Persons created, updated or absorbed by a merge, in their final state for this batch. */
  persons: Map<string, PersonRow & { isDeleted: boolean }>;
  /** The person of each event, aligned with the input. */
  personIdOfEvent: string[];
}

/** The other id an event merges into its distinct id's person, if any. */
export function mergePartner(e: Pick<IngestEvent, 'event' | 'distinctId' | 'properties'>): string | undefined {
  const p = e.properties;
  const other = e.event === '$identify' ? p.$anon_distinct_id : e.event === '$create_alias' ? p.alias : undefined;
  const id = typeof other === 'number' ? String(other) : typeof other === 'string' ? other.trim() : '';
  return id && id !== e.distinctId ? id : undefined;
}

/** The person a distinct id gets when it is seen for the first time: the same on every worker and replay. */
export const firstPersonId = (projectId: string, distinctId: string) => uuidV5(NAMESPACE.person, `${projectId}\u0000${distinctId}`);

const isEmpty = (o: Record<string, unknown> | undefined): o is undefined => !o || Object.keys(o).length === 0;

/**
 * Resolves the person of every event of ONE project, in event order:
 * - a distinct id seen for the first time gets a new person;
 * - `$identify` (with `$anon_distinct_id`) and `$create_alias` (with `alias`) put both ids
 *   on one person; when both already had different persons, the event's distinct id keeps
 *   its person and absorbs the other (its ids move over, its properties fill the gaps, it is
 *   marked deleted);
 * - `$set` overwrites person properties, `$set_once` only fills absent ones.
 * Pure apart from reads through `loader`; the caller writes the returned changes.
 */
export async function resolvePersons(projectId: string, events: IngestEvent[], loader: PersonLoader): Promise<PersonChanges> {
  const wanted = new Set<string>();
  for (const e of events) {
    wanted.add(e.distinctId);
    const other = mergePartner(e);
    if (other) wanted.add(other);
  }
  const idMap = await loader.personIds(projectId, [...wanted]);
  const changedIds = new Map<string, string>();
  const people = new Map<string, PersonRow & { isDeleted: boolean }>();
  const touched = new Set<string>();

  const preload = new Set<string>();
  for (const e of events) {
    const pid = idMap.get(e.distinctId);
    if (pid && (!isEmpty(e.set) || !isEmpty(e.setOnce) || mergePartner(e))) preload.add(pid);
    const other = mergePartner(e);
    const opid = other ? idMap.get(other) : undefined;
    if (opid) preload.add(opid);
  }
  if (preload.size > 0) {
    for (const [id, row] of await loader.persons(projectId, [...preload])) people.set(id, { ...row, isDeleted: false });
  }

  const person = async (id: string, createdAt: string) => {
    let row = people.get(id);
    if (!row) {
      const loaded = (await loader.persons(projectId, [id])).get(id);
      row = { properties: loaded?.properties ?? {}, createdAt: loaded?.createdAt ?? createdAt, isDeleted: false };
      people.set(id, row);
      if (!loaded) touched.add(id);
    }
    return row;
  };
  const assign = (distinctId: string, personId: string) => {
    idMap.set(distinctId, personId);
    changedIds.set(distinctId, personId);
  };
  const create = async (distinctId: string, createdAt: string) => {
    const id = firstPersonId(projectId, distinctId);
    assign(distinctId, id);
    if (!people.has(id)) people.set(id, { properties: {}, createdAt, isDeleted: false });
    touched.add(id);
    return id;
  };
  const absorb = async (keep: string, gone: string, at: string) => {
    const moving = new Set(await loader.distinctIdsOf(projectId, gone));
    for (const [d, p] of idMap) if (p === gone) moving.add(d);
    for (const [d, p] of changedIds) if (p === gone) moving.add(d);
    for (const d of moving) assign(d, keep);
    const kept = await person(keep, at);
    const lost = await person(gone, at);
    kept.properties = { ...lost.properties, ...kept.properties };
    if (lost.createdAt < kept.createdAt) kept.createdAt = lost.createdAt;
    lost.isDeleted = true;
    touched.add(keep).add(gone);
  };

  const personIdOfEvent: string[] = [];
  for (const e of events) {
    let pid = idMap.get(e.distinctId);
    const other = mergePartner(e);
    if (other) {
      const opid = idMap.get(other);
      if (!pid && !opid) {
        pid = await create(e.distinctId, e.timestamp);
        assign(other, pid);
      } else if (!pid) {
        pid = opid!;
        assign(e.distinctId, pid);
      } else if (!opid) {
        assign(other, pid);
      } else if (opid !== pid) {
        await absorb(pid, opid, e.timestamp);
      }
    }
    if (!pid) pid = await create(e.distinctId, e.timestamp);
    if (!isEmpty(e.set) || !isEmpty(e.setOnce)) {
      const row = await person(pid, e.timestamp);
      const before = JSON.stringify(row.properties);
      const next = { ...row.properties };
      for (const [k, v] of Object.entries(e.setOnce ?? {})) if (!(k in next)) next[k] = v;
      Object.assign(next, e.set ?? {});
      if (JSON.stringify(next) !== before) {
        row.properties = next;
        touched.add(pid);
      }
    }
    personIdOfEvent.push(pid);
  }

  const persons = new Map<string, PersonRow & { isDeleted: boolean }>();
  for (const id of touched) persons.set(id, people.get(id)!);
  return { distinctIds: changedIds, persons, personIdOfEvent };
}
