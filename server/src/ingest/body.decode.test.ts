import { gzipSync, deflateSync } from 'node:zlib';
import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import { checkDepth, decodeBody, MAX_DEPTH, type RawRequest } from './body.decode.js';
import { CaptureError } from './capture.errors.js';

const req = (body: string | Buffer, extra: Partial<RawRequest> = {}): RawRequest => ({
  body: typeof body === 'string' ? Buffer.from(body) : body,
  contentType: '',
  contentEncoding: '',
  ...extra,
});
const json = '{"event":"e","distinct_id":"d","properties":{"ü":"🚀"}}';
const value = JSON.parse(json);

async function reason(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CaptureError);
    return [(err as CaptureError).code, (err as CaptureError).reason];
  }
  throw new Error('expected a CaptureError');
}

describe('decodeBody', () => {
  it.each([
    ['plain JSON', req(json)],
    ['gzip by header', req(gzipSync(json), { contentEncoding: 'gzip' })],
    ['gzip by magic bytes', req(gzipSync(json))],
    ['gzip-js query hint', req(gzipSync(json), { compression: 'gzip-js' })],
    ['deflate by header', req(deflateSync(json), { contentEncoding: 'deflate' })],
    ['base64 by hint', req(Buffer.from(json).toString('base64'), { compression: 'base64' })],
    ['bare base64 (posthog sniff)', req(Buffer.from(json).toString('base64'), { sniffBase64: true })],
    ['lz64', req(LZString.compressToBase64(json), { compression: 'lz64' })],
    ['form data=JSON', req(`data=${encodeURIComponent(json)}`, { contentType: 'application/x-www-form-urlencoded' })],
    ['form data=base64 with + turned into spaces', req(`data=${Buffer.from(json + '  ').toString('base64').replace(/\+/g, ' ')}&compression=base64`)],
    ['form lz64', req(`data=${encodeURIComponent(LZString.compressToBase64(json))}&compression=lz64`)],
    ['GET data=', req('', { queryData: json })],
  ])('%s', async (_name, r) => {
    const d = await decodeBody(r);
    expect(d.payload).toEqual(value);
  });

  it('refuses what it cannot read with a typed reason', async () => {
    expect(await reason(decodeBody(req(gzipSync(json).subarray(0, 15))))).toEqual(['MALFORMED_BODY', 'invalid_gzip']);
    expect(await reason(decodeBody(req('{"a":')))).toEqual(['MALFORMED_BODY', 'invalid_json']);
    expect(await reason(decodeBody(req('   ')))).toEqual(['MALFORMED_BODY', 'empty_body']);
    expect(await reason(decodeBody(req(Buffer.from([0x7b, 0xff, 0x7d]))))).toEqual(['MALFORMED_BODY', 'invalid_utf8']);
    expect(await reason(decodeBody(req('aGVsbG8=')))).toEqual(['MALFORMED_BODY', 'invalid_json']);
    expect(await reason(decodeBody(req(json, { contentEncoding: 'br' })))).toEqual(['UNSUPPORTED_MEDIA_TYPE', undefined]);
  });

  it('stops inflating at the request limit', async () => {
    const bomb = gzipSync(Buffer.alloc(30 * 1024 * 1024, 0x20));
    expect(await reason(decodeBody(req(bomb)))).toEqual(['PAYLOAD_TOO_LARGE', undefined]);
  });
});

describe('checkDepth', () => {
  it('accepts MAX_DEPTH levels and refuses one more, without recursion', () => {
    const nest = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n));
    expect(() => checkDepth(nest(MAX_DEPTH))).not.toThrow();
    expect(() => checkDepth(nest(MAX_DEPTH + 1))).toThrow(CaptureError);
    expect(() => checkDepth(nest(200_000))).toThrow(CaptureError);
  });
});
