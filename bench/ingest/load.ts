import http from 'node:http';
import type { BodySource } from './payloads.js';

export interface LoadResult {
  requests: number;
  failures: number;
  seconds: number;
}

/**
 * Sends bodies from `bodies` to `url` from `concurrency` keep-alive connections for `seconds`,
 * counting 2xx answers. The same generator drives Cairn and the bare baseline.
 */
export async function runLoad(url: string, bodies: BodySource, opts: { concurrency: number; seconds: number }): Promise<LoadResult> {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  let requests = 0;
  let failures = 0;
  const started = performance.now();
  const until = started + opts.seconds * 1000;
  const send = (body: Buffer) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        { agent, host: target.hostname, port: target.port, path: target.pathname + target.search, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const worker = async () => {
    while (performance.now() < until) {
      const status = await send(bodies.next());
      if (status >= 200 && status < 300) requests++;
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  agent.destroy();
  return { requests, failures, seconds: (performance.now() - started) / 1000 };
}
