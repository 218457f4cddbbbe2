import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readBody } from './body.read.js';
import { CaptureError } from './capture.errors.js';

function request(chunks: Buffer[], headers: Record<string, string> = {}) {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  setImmediate(() => {
    for (const c of chunks) req.push(c);
    req.push(null);
  });
  return req;
}

describe('readBody', () => {
  it('collects the body', async () => {
    expect((await readBody(request([Buffer.from('ab'), Buffer.from('cd')]), 10)).toString()).toBe('abcd');
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    await expect(readBody(request([], { 'content-length': '11' }), 10)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses as soon as the streamed body passes the limit', async () => {
    const err = await readBody(request([Buffer.alloc(6), Buffer.alloc(6), Buffer.alloc(6)]), 10).catch((e) => e);
    expect(err).toBeInstanceOf(CaptureError);
    expect(err.status).toBe(413);
  });
});
