import { describe, expect, it } from 'vitest';
import type { IngestEvent } from './event.js';
import { firstPersonId, mergePartner, resolvePersons, type PersonLoader, type PersonRow } from './persons.resolve.js';

const P = '00000000-0000-4000-8000-000000000001';

/** Committed state as plain maps: the resolver's input port, filled by the test. */
function state(ids: Record<string, string> = {}, persons: Record<string, PersonRow> = {}): PersonLoader {
  return {
    async personIds(_p, distinctIds) {
      return new Map(distinctIds.filter((d) => ids[d]).map((d) => [d, ids[d]!]));
    },
    async distinctIdsOf(_p, personId) {
      return Object.entries(ids).filter(([, p]) => p === personId).map(([d]) => d);
    },
    async persons(_p, personIds) {
      return new Map(personIds.filter((id) => persons[id]).map((id) => [id, persons[id]!]));
    },
  };
}

let n = 0;
const ev = (distinctId: string, event = 'x', extra: Partial<IngestEvent> = {}): IngestEvent => ({
  uuid: `u${n++}`, projectId: P, orgId: 'o', event, distinctId, timestamp: `2026-01-01T00:00:0${n % 10}.000Z`,
  receivedAt: '2026-01-01T00:00:00.000Z', properties: {}, flags: [], ...extra,
});

describe('resolvePersons', () => {
  it('gives a new distinct id a deterministic new person and reuses it', async () => {
    const r = await resolvePersons(P, [ev('a'), ev('a'), ev('b')], state());
    const a = firstPersonId(P, 'a');
    expect(r.personIdOfEvent).toEqual([a, a, firstPersonId(P, 'b')]);
    expect([...r.distinctIds]).toEqual([['a', a], ['b', firstPersonId(P, 'b')]]);
    expect(r.persons.size).toBe(2);
  });

  it('keeps known mappings untouched and writes nothing for them', async () => {
    const r = await resolvePersons(P, [ev('a')], state({ a: 'pa' }, { pa: { properties: {}, createdAt: 't' } }));
    expect(r.personIdOfEvent).toEqual(['pa']);
    expect(r.distinctIds.size).toBe(0);
    expect(r.persons.size).toBe(0);
  });

  it('$identify puts the anonymous id on the identified person when only one exists', async () => {
    const r = await resolvePersons(P, [ev('anon'), ev('user', '$identify', { properties: { $anon_distinct_id: 'anon' } })], state());
    const pa = firstPersonId(P, 'anon');
    expect(r.personIdOfEvent).toEqual([pa, pa]);
    expect(r.distinctIds.get('user')).toBe(pa);
  });

  it('merges two existing persons: the event id keeps its person and absorbs the other', async () => {
    const loader = state(
      { user: 'pu', anon: 'pa', anon2: 'pa' },
      { pu: { properties: { plan: 'pro' }, createdAt: '2026-01-02' }, pa: { properties: { plan: 'free', ref: 'ad' }, createdAt: '2026-01-01' } },
    );
    const r = await resolvePersons(P, [ev('user', '$create_alias', { properties: { alias: 'anon' } }), ev('anon2')], loader);
    expect(r.personIdOfEvent).toEqual(['pu', 'pu']);
    expect(Object.fromEntries(r.distinctIds)).toEqual({ anon: 'pu', anon2: 'pu' });
    expect(r.persons.get('pu')).toEqual({ properties: { plan: 'pro', ref: 'ad' }, createdAt: '2026-01-01', isDeleted: false });
    expect(r.persons.get('pa')!.isDeleted).toBe(true);
  });

  it('applies $set and $set_once in event order', async () => {
    const r = await resolvePersons(
      P,
      [
        ev('a', 'x', { setOnce: { first: 1 }, set: { plan: 'free' } }),
        ev('a', 'x', { setOnce: { first: 2 }, set: { plan: 'pro' } }),
      ],
      state(),
    );
    expect(r.persons.get(firstPersonId(P, 'a'))!.properties).toEqual({ first: 1, plan: 'pro' });
  });

  it('finds the merge partner of identify and alias events only', () => {
    expect(mergePartner(ev('u', '$identify', { properties: { $anon_distinct_id: ' a ' } }))).toBe('a');
    expect(mergePartner(ev('u', '$create_alias', { properties: { alias: 7 } }))).toBe('7');
    expect(mergePartner(ev('u', '$identify', { properties: { $anon_distinct_id: 'u' } }))).toBeUndefined();
    expect(mergePartner(ev('u', 'x', { properties: { alias: 'a' } }))).toBeUndefined();
  });
});
