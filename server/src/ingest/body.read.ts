import type { IncomingMessage } from 'node:http';
import { malformed, tooLarge } from './capture.errors.js';

/**
 * Reads the raw request body, refusing (413) as soon as it passes `limit` bytes, so an
 * oversized upload never sits in memory whole.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(`the request body exceeds ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
      if (err) {
        req.resume();
        reject(err);
      } else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        finish(tooLarge(`the request body exceeds ${limit} bytes`));
      } else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = () => finish(malformed('request_aborted', 'the request body could not be read to the end'));
    const onAborted = () => finish(malformed('request_aborted', 'the client aborted the request'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  });
}
