import { describe, expect, it } from 'vitest';
import type { IngestEvent } from '../event.js';
import { createCoalescingWriter, groupToken } from './batch.coalesce.js';

const ev = (uuid: string) => ({ uuid }) as IngestEvent;

describe('coalescing writer', () => {
  it('joins batches submitted together into one write with an order-independent token', async () => {
    const writes: Array<{ uuids: string[]; token: string }> = [];
    const w = createCoalescingWriter({
      write: async (events, o) => {
        writes.push({ uuids: events.map((e) => e.uuid), token: o.deduplicationToken });
      },
    });
    await Promise.all([w.write([ev('a'), ev('b')], 't:0:0-1'), w.write([ev('c')], 't:1:5-5')]);
    expect(writes).toEqual([{ uuids: ['a', 'b', 'c'], token: groupToken(['t:1:5-5', 't:0:0-1']) }]);
    expect(groupToken(['x'])).toBe('x');
    expect(groupToken(['a', 'b'])).toBe(groupToken(['b', 'a']));
  });

  it('fails every batch of a failed write, and the next write is tried afresh', async () => {
    let fail = true;
    const w = createCoalescingWriter({
      write: async () => {
        if (fail) throw new Error('clickhouse down');
      },
    });
    const results = await Promise.allSettled([w.write([ev('a')], '1'), w.write([ev('b')], '2')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(w.write([ev('a')], '1')).resolves.toBeUndefined();
  });

  it('batches arriving while a write runs go into the next write (one at a time)', async () => {
    let running = 0;
    let most = 0;
    const sizes: number[] = [];
    const w = createCoalescingWriter({
      write: async (events) => {
        running++;
        most = Math.max(most, running);
        sizes.push(events.length);
        await new Promise((r) => setTimeout(r, 20));
        running--;
      },
    });
    const first = w.write([ev('a')], '1');
    await new Promise((r) => setTimeout(r, 10));
    await Promise.all([first, w.write([ev('b')], '2'), w.write([ev('c')], '3')]);
    expect(most).toBe(1);
    expect(sizes).toEqual([1, 2]);
  });
});
