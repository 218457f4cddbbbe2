/**
 * The baseline: a bare node:http server that reads the body, JSON.parses it and answers
 * `{"status":1}` — what any capture endpoint must do at least. Started as a child process
 * so it gets the same CPU budget as Cairn; reports its URL over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let events = 0;
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { batch?: unknown[] };
      events += Array.isArray(body.batch) ? body.batch.length : 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":1}');
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'stats') process.send!({ events, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
  if (m.cmd === 'stop') server.close(() => process.exit(0));
});
