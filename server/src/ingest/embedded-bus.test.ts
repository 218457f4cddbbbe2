import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BusUnavailableError } from './bus.js';
import { batchToken, createEmbeddedBus } from './embedded-bus.js';
import type { IngestEvent } from './event.js';

const log = pino({ level: 'silent' });
let n = 0;
const ev = (): IngestEvent => ({
  uuid: `00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`, projectId: 'p', orgId: 'o', event: 'e', distinctId: 'd',
  timestamp: '2026-01-01T00:00:00.000Z', receivedAt: '2026-01-01T00:00:00.000Z', properties: {}, flags: [],
});

/** A writer that records what it was given and can be told to fail or to hold. */
function recordingWriter() {
  const batches: Array<{ events: IngestEvent[]; token: string }> = [];
  let failures = 0;
  let gate: Promise<void> | undefined;
  return {
    batches,
    failNext(count: number) {
      failures = count;
    },
    hold() {
      let open!: () => void;
      gate = new Promise<void>((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
    async write(events: IngestEvent[], opts: { deduplicationToken: string }) {
      if (gate) await gate;
      if (failures > 0) {
        failures--;
        throw new Error('insert failed');
      }
      batches.push({ events: [...events], token: opts.deduplicationToken });
    },
  };
}

describe('createEmbeddedBus', () => {
  it('groups concurrent publishes into one insert and resolves each after it', async () => {
    const writer = recordingWriter();
    const bus = createEmbeddedBus({ writer, log, flushMs: 20, maxEvents: 1000 });
    await bus.start();
    await Promise.all([bus.publish([ev()]), bus.publish([ev(), ev()]), bus.publish([ev()])]);
    expect(writer.batches.map((b) => b.events.length)).toEqual([4]);
    expect(writer.batches[0]!.token).toBe(batchToken(writer.batches[0]!.events));
    await bus.stop();
  });

  it('flushes at maxEvents without waiting for the timer', async () => {
    const writer = recordingWriter();
    const bus = createEmbeddedBus({ writer, log, flushMs: 60_000, maxEvents: 3 });
    await bus.publish([ev(), ev(), ev()]);
    expect(writer.batches).toHaveLength(1);
    await bus.stop();
  });

  it('keeps collecting while the inserts run, then writes the next batch', async () => {
    const writer = recordingWriter();
    const bus = createEmbeddedBus({ writer, log, flushMs: 1, maxEvents: 1000, maxInFlight: 1 });
    const release = writer.hold();
    const first = bus.publish([ev()]);
    await new Promise((r) => setTimeout(r, 10));
    const later = [bus.publish([ev()]), bus.publish([ev()])];
    await new Promise((r) => setTimeout(r, 10));
    release();
    await Promise.all([first, ...later]);
    expect(writer.batches.map((b) => b.events.length)).toEqual([1, 2]);
    await bus.stop();
  });

  it('does not write a small batch early just because an insert finished', async () => {
    const writer = recordingWriter();
    const bus = createEmbeddedBus({ writer, log, flushMs: 5000, maxEvents: 2, maxInFlight: 1 });
    const release = writer.hold();
    const first = bus.publish([ev(), ev()]); // full: written at once
    await new Promise((r) => setImmediate(r));
    const second = bus.publish([ev()]); // neither full nor due
    release();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(writer.batches.map((b) => b.events.length)).toEqual([2]);
    await bus.stop();
    await second;
    expect(writer.batches.map((b) => b.events.length)).toEqual([2, 1]);
  });

  it('runs up to maxInFlight inserts at once', async () => {
    const writer = recordingWriter();
    const bus = createEmbeddedBus({ writer, log, flushMs: 1, maxEvents: 1000, maxInFlight: 2 });
    const release = writer.hold();
    const published = [bus.publish([ev()])];
    await new Promise((r) => setTimeout(r, 10));
    published.push(bus.publish([ev()]));
    await new Promise((r) => setTimeout(r, 10));
    published.push(bus.publish([ev()]), bus.publish([ev()]));
    await new Promise((r) => setTimeout(r, 10));
    release();
    await Promise.all(published);
    expect(writer.batches.map((b) => b.events.length)).toEqual([1, 1, 2]);
    await bus.stop();
  });

  it('retries once with the same token, then rejects every publish of the batch', async () => {
    const writer = recordingWriter();
    const bus = createEmbeddedBus({ writer, log, flushMs: 1, maxEvents: 1000 });
    writer.failNext(1);
    await bus.publish([ev()]);
    expect(writer.batches).toHaveLength(1);
    writer.failNext(2);
    const results = await Promise.allSettled([bus.publish([ev()]), bus.publish([ev()])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(BusUnavailableError);
    await bus.stop();
  });

  it('flushes what it holds on stop, and refuses publishes after', async () => {
    const writer = recordingWriter();
    const bus = createEmbeddedBus({ writer, log, flushMs: 60_000, maxEvents: 1000 });
    const pending = bus.publish([ev(), ev()]);
    await bus.stop();
    await pending;
    expect(writer.batches.map((b) => b.events.length)).toEqual([2]);
    await expect(bus.publish([ev()])).rejects.toBeInstanceOf(BusUnavailableError);
  });
});
