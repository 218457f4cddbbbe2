import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { INIT, newDataDir, startTestCairn } from '../support/cairn.js';
import { eventsOf, postJson, TOKEN } from './helpers.js';

const dataDir = newDataDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('a stop flushes what the embedded bus holds, even when the shutdown timeout cuts the connections', async () => {
  // The flush interval is far longer than the shutdown timeout: when connections are cut the
  // events are still waiting in the bus, and only the bus's stop() can write them.
  const first = await startTestCairn({ ...INIT, CAIRN_INGEST_FLUSH_MS: '10000', CAIRN_SHUTDOWN_TIMEOUT_MS: '300' }, { dataDir });
  const sends = Array.from({ length: 20 }, (_, i) =>
    postJson(first.url, '/api/v1/capture', { token: TOKEN, event: 'before stop', distinct_id: 'shutdown-1', properties: { i } }).catch(() => ({ status: 0 })),
  );
  await new Promise((r) => setTimeout(r, 300));
  await first.close();
  const answers = await Promise.all(sends);
  // Nothing could be acknowledged before the stop (the flush was 10 s away)…
  expect(answers.filter((a) => a.status === 200)).toHaveLength(0);

  const second = await startTestCairn({ ...INIT }, { dataDir });
  try {
    // …yet every event that reached the bus was written on the way down.
    const rows = await eventsOf(second, 'shutdown-1');
    expect(rows.map((r) => JSON.parse(r.properties).i).sort((a: number, b: number) => a - b)).toEqual([...Array(20).keys()]);
  } finally {
    await second.close();
  }
});
