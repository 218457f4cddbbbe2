import { describe, expect, it } from 'vitest';
import { flattenContext, mapSegment } from './segment.map.js';
import { NAMESPACE, uuidV5 } from './uuid.js';

describe('mapSegment', () => {
  it('maps each call type to its event name and distinct id', () => {
    const one = (type: Parameters<typeof mapSegment>[1], body: Record<string, unknown>) => mapSegment(body, type).drafts[0]!;
    expect(one('track', { event: 'Bought', userId: 'u', anonymousId: 'a' })).toMatchObject({ event: 'Bought', distinctId: 'u', properties: { $anonymous_id: 'a' } });
    expect(one('page', { anonymousId: 'a', name: 'Home', properties: { url: 'https://x.test/p', path: '/p' } })).toMatchObject({
      event: '$pageview', distinctId: 'a', properties: { name: 'Home', $current_url: 'https://x.test/p', $pathname: '/p' },
    });
    expect(one('screen', { userId: 7, name: 'Main' })).toMatchObject({ event: '$screen', distinctId: '7', properties: { $screen_name: 'Main' } });
    expect(one('identify', { userId: 'u', anonymousId: 'a', traits: { plan: 'pro' } })).toMatchObject({
      event: '$identify', set: { plan: 'pro' }, properties: { $anon_distinct_id: 'a' },
    });
    expect(one('group', { userId: 'u', groupId: 'g', traits: { n: 1 } })).toMatchObject({ event: '$groupidentify', properties: { $group_key: 'g', $group_set: { n: 1 } } });
    expect(one('alias', { userId: 'u', previousId: 'old' })).toMatchObject({ event: '$create_alias', distinctId: 'u', properties: { alias: 'old' } });
  });

  it('hashes messageId to a stable uuid and asks for skew correction', () => {
    const d = mapSegment({ event: 'e', userId: 'u', messageId: 'm-1', sentAt: 's' }, 'track').drafts[0]!;
    expect(d.uuid).toBe(uuidV5(NAMESPACE.segmentMessage, 'm-1'));
    expect(d).toMatchObject({ skewCorrect: true, sentAt: 's' });
  });

  it('batches: writeKey from the body, top-level context merged under each item, unknown types invalid', () => {
    const m = mapSegment(
      { writeKey: 'wk', context: { ip: '1.2.3.4', library: { name: 'lib' } }, batch: [{ type: 'track', event: 'a', userId: 'u', context: { ip: '5.6.7.8' } }, { type: 'nope' }, 3] },
      'batch',
    );
    expect(m.token).toBe('wk');
    expect(m.drafts[0]!.properties).toMatchObject({ $ip: '5.6.7.8', $lib: 'lib' });
    expect(m.drafts[1]!.invalid?.reason).toBe('invalid_event');
    expect(m.drafts[2]!.invalid?.reason).toBe('invalid_event');
    expect(mapSegment({ nobatch: true }, 'batch').drafts[0]!.invalid).toBeDefined();
  });

  it('flattens context into $ properties', () => {
    expect(
      flattenContext({ page: { url: 'u', path: '/p', referrer: 'r' }, userAgent: 'ua', os: { name: 'iOS' }, device: { type: 'mobile' }, campaign: { name: 'c', source: 's' } }),
    ).toEqual({ $current_url: 'u', $pathname: '/p', $referrer: 'r', $user_agent: 'ua', $os: 'iOS', $device_type: 'mobile', utm_campaign: 'c', utm_source: 's' });
    expect(flattenContext('nope')).toEqual({});
  });
});
