import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('./broker.sh', import.meta.url));
export const repoRoot = path.resolve(path.dirname(script), '../..');

/** The shared test broker's port; a test that stops its broker uses a port of its own. */
export const SHARED_PORT = Number(process.env.CAIRN_KAFKA_PORT ?? 19092);

async function broker(command: 'ensure' | 'stop' | 'status' | 'reset', port: number): Promise<string> {
  const { stdout } = await run('bash', [script, command], {
    env: { ...process.env, CAIRN_KAFKA_PORT: String(port) },
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

/** Starts the KRaft test broker on 127.0.0.1:port unless it runs; resolves `host:port`. */
export const ensureBroker = (port = SHARED_PORT) => broker('ensure', port);
export const stopBroker = (port = SHARED_PORT) => broker('stop', port);
/** Stops the broker and deletes its data (for a broker private to one test file). */
export const resetBroker = (port = SHARED_PORT) => broker('reset', port);

/** Topic and group names no other test file (or earlier run) uses. */
export function uniqueKafkaEnv(prefix: string): Record<string, string> {
  const id = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  return {
    KAFKA_TOPIC_EVENTS: `${id}_events`,
    KAFKA_TOPIC_DEAD_LETTER: `${id}_dead_letter`,
    KAFKA_CONSUMER_GROUP: `${id}_ingest`,
  };
}

/** Polls `fn` until it returns a truthy value or `ms` pass (then throws with the last value). */
export async function waitFor<T>(what: string, fn: () => Promise<T>, ms = 60_000, every = 200): Promise<T> {
  const until = Date.now() + ms;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < until) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what} (last value ${JSON.stringify(last)}${lastErr ? `, last error ${String(lastErr)}` : ''})`);
}
