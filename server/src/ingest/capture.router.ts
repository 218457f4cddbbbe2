import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from '../log.js';
import { decodeBody, MAX_REQUEST_BYTES } from './body.decode.js';
import { readBody } from './body.read.js';
import { mapCairn } from './cairn.map.js';
import { CaptureError } from './capture.errors.js';
import type { CaptureResult, CaptureService, Dialect } from './capture.service.js';
import { mapPosthog, type Mapped } from './posthog.map.js';
import { mapSegment, SEGMENT_TYPES, type SegmentType } from './segment.map.js';

export const POSTHOG_CAPTURE_PATHS = ['/e', '/i/v0/e', '/capture', '/track', '/batch', '/engage'];
export const SEGMENT_PATHS = [...SEGMENT_TYPES, 'batch', 'import'].map((t) => `/v1/${t}`);
export const CAIRN_CAPTURE_PATH = '/api/v1/capture';

/** CORS for browser SDKs: any origin may send events (the project token is public by design). */
function cors(req: Request, res: Response, next: NextFunction) {
  const origin = req.headers.origin;
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*');
  if (origin) {
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }
  if (req.method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Content-Type, Authorization');
    res.setHeader('Access-Control-Max-Age', '86400');
    res.status(204).end();
    return;
  }
  next();
}

/** `Authorization: Bearer <token>` or Segment's `Basic base64("<writeKey>:")`. */
export function headerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (basic) {
    const user = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
    return user || undefined;
  }
  return undefined;
}

const queryString = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * The capture gateway's wire formats: PostHog capture, the Segment HTTP tracking API and
 * Cairn's own `POST /api/v1/capture`. Thin: read → decode → map → the capture service.
 */
export function captureRouter(service: CaptureService, log: Logger): Router {
  const router = express.Router();
  const paths = [...POSTHOG_CAPTURE_PATHS, ...SEGMENT_PATHS, CAIRN_CAPTURE_PATH, '/flags', '/decide'];
  router.use(paths, cors);

  const handle =
    (dialect: Dialect, map: (payload: unknown, req: Request) => Mapped, answer: (res: Response, result: CaptureResult, req: Request) => void) =>
    async (req: Request, res: Response, next: NextFunction) => {
      res.locals.routeTemplate = req.route?.path ?? req.path;
      try {
        const receivedAt = new Date();
        const body = req.method === 'GET' ? Buffer.alloc(0) : await readBody(req, MAX_REQUEST_BYTES);
        const decoded = await decodeBody({
          body,
          contentType: String(req.headers['content-type'] ?? ''),
          contentEncoding: String(req.headers['content-encoding'] ?? ''),
          compression: queryString(req.query.compression),
          queryData: queryString(req.query.data),
          sniffBase64: dialect === 'posthog',
        });
        const mapped = map(decoded.payload, req);
        const token = mapped.token ?? headerToken(req.headers.authorization);
        const result = await service.capture({ dialect, token, drafts: mapped.drafts, decodedBytes: decoded.bytes, receivedAt });
        if (result.accepted === 0 && result.rejected.length > 0) {
          const first = result.rejected[0]!;
          throw new CaptureError('MALFORMED_BODY', `every event was rejected (first: ${first.detail}); they are kept in the dead-letter table`, first.reason);
        }
        answer(res, result, req);
      } catch (err) {
        next(err);
      }
    };

  const posthogAnswer = (res: Response, _r: CaptureResult, req: Request) => {
    if (req.query.beacon === '1' || req.query.beacon === 'true') res.status(204).end();
    else res.status(200).json({ status: 1 });
  };
  const sentAtMs = (req: Request) => {
    const v = Number(req.query._);
    return Number.isFinite(v) && v > 0 ? v : undefined;
  };
  for (const p of POSTHOG_CAPTURE_PATHS) {
    const h = handle('posthog', (payload, req) => mapPosthog(payload, { engage: p === '/engage', sentAtMs: sentAtMs(req) }), posthogAnswer);
    router.post(p, h);
    router.get(p, h);
  }

  for (const t of [...SEGMENT_TYPES, 'batch', 'import'] as const) {
    const type: SegmentType | 'batch' = t === 'import' ? 'batch' : t;
    router.post(`/v1/${t}`, handle('segment', (payload) => mapSegment(payload, type), (res) => res.status(200).json({ success: true })));
  }

  router.post(
    CAIRN_CAPTURE_PATH,
    handle('cairn', (payload) => mapCairn(payload), (res, r) => {
      res.status(200).json({ data: { accepted: r.accepted, rejected: r.rejected.length, errors: r.rejected } });
    }),
  );

  // posthog SDKs ask for feature flags; Cairn has none yet, and an empty answer keeps them working.
  const noFlags = (_req: Request, res: Response) => {
    res.status(200).json({
      flags: {},
      featureFlags: {},
      featureFlagPayloads: {},
      errorsWhileComputingFlags: false,
      quotaLimited: [],
      requestId: '00000000-0000-0000-0000-000000000000',
    });
  };
  for (const p of ['/flags', '/decide']) {
    router.get(p, noFlags);
    router.post(p, noFlags);
  }

  router.use(paths, (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err instanceof CaptureError ? err : undefined;
    if (!e) log.error({ err, path: req.path }, 'capture failed');
    const status = e?.status ?? 500;
    if (status === 503) res.setHeader('Retry-After', '1');
    if (res.headersSent) return void res.end();
    // A refused upload is not read to the end: close the connection rather than drain it.
    if (status === 413) res.setHeader('Connection', 'close');
    res.status(status).json(e ? e.toBody() : { error: { code: 'INTERNAL', message: 'internal error' } });
  });
  return router;
}
