import { describe, expect, it } from 'vitest';
import { mapPosthog } from './posthog.map.js';
import { mapCairn } from './cairn.map.js';

describe('mapPosthog', () => {
  it('reads the token from the batch, the event, or its properties', () => {
    expect(mapPosthog({ api_key: 'a', batch: [] }).token).toBe('a');
    expect(mapPosthog({ token: 'b', batch: [{}] }).token).toBe('b');
    expect(mapPosthog({ event: 'x', properties: { token: 'c' } }).token).toBe('c');
    expect(mapPosthog([{ event: 'x' }, { event: 'y', $token: 'd' }]).token).toBe('d');
    expect(mapPosthog({ event: 'x' }).token).toBeUndefined();
  });

  it('maps distinct id variants, sent_at, offset and merges $set from both places', () => {
    const [d] = mapPosthog({
      api_key: 'k',
      sent_at: '2026-01-01T00:00:00Z',
      batch: [{ event: 'e', $distinct_id: 'u', offset: 5, uuid: 'x', $set: { a: 1 }, properties: { $set: { a: 0, b: 2 }, $set_once: { c: 3 } } }],
    }).drafts;
    expect(d).toMatchObject({ event: 'e', distinctId: 'u', offsetMs: 5, sentAt: '2026-01-01T00:00:00Z', uuid: 'x', set: { a: 1, b: 2 }, setOnce: { c: 3 } });
    expect(mapPosthog({ event: 'e', properties: { distinct_id: 'p' } }).drafts[0]!.distinctId).toBe('p');
  });

  it('names /engage updates $set and marks non-objects invalid', () => {
    expect(mapPosthog({ $distinct_id: 'u', $set: { a: 1 } }, { engage: true }).drafts[0]).toMatchObject({ event: '$set', set: { a: 1 } });
    expect(mapPosthog({ batch: [5] }).drafts[0]!.invalid?.reason).toBe('invalid_event');
  });
});

describe('mapCairn', () => {
  it('takes one event or a batch, token or api_key', () => {
    expect(mapCairn({ token: 't', event: 'e', distinct_id: 'd' })).toMatchObject({ token: 't', drafts: [{ event: 'e', distinctId: 'd' }] });
    expect(mapCairn({ api_key: 't', batch: [{ event: 'e', distinct_id: 'd' }, {}] }).drafts).toHaveLength(2);
  });
});
