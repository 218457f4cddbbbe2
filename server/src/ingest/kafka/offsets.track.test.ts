import { describe, expect, it } from 'vitest';
import { createOffsetTracker } from './offsets.track.js';

describe('offset tracker', () => {
  it('commits a partition only up to the first batch not yet written', () => {
    const t = createOffsetTracker();
    const a = t.add('events', 0, '9');
    const b = t.add('events', 0, '19');
    const c = t.add('events', 1, '4');
    b();
    c();
    const one = t.ready();
    expect(one).toEqual([{ topic: 'events', partition: 1, offset: '5' }]);
    t.committed(one);
    a();
    const two = t.ready();
    expect(two).toEqual([{ topic: 'events', partition: 0, offset: '20' }]);
    t.committed(two);
    expect(t.ready()).toEqual([]);
    expect(t.pending()).toBe(0);
  });

  it('offers offsets again until the broker accepted them, and never goes backwards', () => {
    const t = createOffsetTracker();
    t.add('events', 0, '99')();
    const first = t.ready();
    expect(first).toEqual([{ topic: 'events', partition: 0, offset: '100' }]);
    // The commit failed: the same offset is offered again.
    expect(t.ready()).toEqual(first);
    t.committed(first);
    expect(t.ready()).toEqual([]);
    // A replay after a rebalance hands the same partition's older offsets over again.
    t.add('events', 0, '49')();
    expect(t.ready()).toEqual([]);
    t.add('events', 0, '149')();
    expect(t.ready()).toEqual([{ topic: 'events', partition: 0, offset: '150' }]);
  });
});
