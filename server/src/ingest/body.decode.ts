import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { CaptureError, malformed, tooLarge } from './capture.errors.js';
import { decompressLz64, Lz64Error } from './lz64.decode.js';

export const MAX_REQUEST_BYTES = 20 * 1024 * 1024;
export const MAX_EVENT_BYTES = 1024 * 1024;
/** Deeper JSON is refused: serialising it again would overflow the stack. */
export const MAX_DEPTH = 64;

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export interface RawRequest {
  body: Buffer;
  contentType: string;
  contentEncoding: string;
  /** `compression` from the query string, if any. */
  compression?: string;
  /** `data` from the query string (GET capture), if any. */
  queryData?: string;
  /** PostHog only: a body that is not JSON may be bare base64 (older posthog-js). */
  sniffBase64?: boolean;
}

export interface Decoded {
  payload: unknown;
  /** Size of the decoded JSON text, in bytes. */
  bytes: number;
}

const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

async function gunzipCapped(b: Buffer, deflate = false): Promise<Buffer> {
  try {
    return await (deflate ? inflate : gunzip)(b, { maxOutputLength: MAX_REQUEST_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw tooLarge(`the decompressed body exceeds ${MAX_REQUEST_BYTES} bytes`);
    }
    throw malformed('invalid_gzip', 'the body is not valid gzip');
  }
}

function text(b: Buffer): string {
  try {
    return utf8.decode(b);
  } catch {
    throw malformed('invalid_utf8', 'the body is not valid UTF-8');
  }
}

function fromBase64(s: string): Buffer {
  const clean = s.trim().replace(/ /g, '+').replace(/-/g, '+').replace(/_/g, '/').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length === 0) throw malformed('invalid_base64', 'the body is not valid base64');
  return Buffer.from(clean, 'base64');
}

/** Rejects nesting deeper than MAX_DEPTH without recursion. */
export function checkDepth(value: unknown): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= MAX_DEPTH) throw malformed('too_deep', `JSON nested deeper than ${MAX_DEPTH} levels`);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
}

function parseJson(s: string): unknown {
  const trimmed = s.trim();
  if (trimmed === '') throw malformed('empty_body', 'the body is empty');
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    throw malformed('invalid_json', 'the body is not valid JSON');
  }
  checkDepth(value);
  return value;
}

/** A `data` value as posthog-js sends it: JSON, base64 JSON, or lz64, per `compression`. */
async function decodeData(data: string | Buffer, compression: string | undefined, sniffBase64 = false): Promise<string> {
  const c = compression?.toLowerCase();
  if (c === 'lz64') {
    try {
      return decompressLz64((typeof data === 'string' ? data : text(data)).trim().replace(/ /g, '+'), MAX_REQUEST_BYTES);
    } catch (err) {
      if (err instanceof Lz64Error && err.reason === 'too_large') throw tooLarge(`the decompressed body exceeds ${MAX_REQUEST_BYTES} bytes`);
      throw malformed('invalid_lz64', 'the body is not valid lz64');
    }
  }
  if (typeof data !== 'string' && (c === 'gzip' || c === 'gzip-js' || isGzip(data))) return text(await gunzipCapped(data));
  const s = typeof data === 'string' ? data : text(data);
  if (c === 'base64') return text(fromBase64(s));
  const head = s.trimStart()[0];
  // posthog-js without compression may still send base64 (legacy): JSON always starts with { or [.
  if (sniffBase64 && head !== undefined && head !== '{' && head !== '[' && head !== '"' && /^[A-Za-z0-9+/=_\-\s]+$/.test(s)) return text(fromBase64(s));
  return s;
}

/**
 * Turns a capture request body in any encoding the SDKs use into JSON: gzip (by magic bytes,
 * Content-Encoding or `?compression=`), deflate, base64, lz64, form bodies `data=…&compression=…`
 * and GET `?data=`. Every decompression is capped at MAX_REQUEST_BYTES of output.
 */
export async function decodeBody(req: RawRequest): Promise<Decoded> {
  let body = req.body;
  const enc = req.contentEncoding.toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') body = await gunzipCapped(body);
  else if (enc === 'deflate') body = await gunzipCapped(body, true);
  else if (enc && enc !== 'identity') throw new CaptureError('UNSUPPORTED_MEDIA_TYPE', `unsupported Content-Encoding ${enc}`);

  let json: string;
  if (body.length === 0 && req.queryData !== undefined) {
    json = await decodeData(req.queryData, req.compression, req.sniffBase64);
  } else if (req.contentType.includes('application/x-www-form-urlencoded') || (!isGzip(body) && body.subarray(0, 5).toString('latin1') === 'data=')) {
    const form = new URLSearchParams(text(body));
    const data = form.get('data');
    if (data === null) throw malformed('invalid_json', 'the form body has no data field');
    json = await decodeData(data, form.get('compression') ?? req.compression, req.sniffBase64);
  } else {
    json = await decodeData(body, req.compression, req.sniffBase64);
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_REQUEST_BYTES) throw tooLarge(`the decoded body exceeds ${MAX_REQUEST_BYTES} bytes`);
  return { payload: parseJson(json), bytes };
}
