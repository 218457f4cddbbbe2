import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { authenticate, type Authenticator } from '../auth/authenticate.js';
import type { Postgres } from '../db/postgres.js';
import { resolveAccess } from '../tenancy/access.js';
import { AppError, appError, validationError } from './errors.js';
import type { Metrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import { JsonReply, RawReply, type RouteDef } from './route.js';
import type { RequestContext } from '../tenancy/context.js';

/**
 * Runs after the caller is authenticated and the route's access resolved, before the handler:
 * CSRF checks, rate limits. Throws an AppError to refuse the request.
 */
export type RequestGuard = (g: { req: Request; res: Response; route: RouteDef; ctx: RequestContext }) => Promise<void>;

export interface AppOptions {
  routes: RouteDef[];
  /** Routers with their own wire formats (the capture gateway), mounted at the root before the API. */
  routers?: Array<{ path: string; router: Router }>;
  authenticators: Authenticator[];
  /** Checks every /api/v1 request passes after access resolution (CSRF, rate limits). */
  guards?: RequestGuard[];
  pg: Postgres;
  log: Logger;
  metrics: Metrics;
  /** Readiness probe: resolves when every database answers. */
  ready: () => Promise<void>;
  uiDir?: string;
  version: string;
  trustProxy: boolean;
}

const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const CSP = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * The UI build (SvelteKit, kit.csp hash mode) hashes its inline bootstrap script into a meta
 * policy in index.html. Header and meta policies both apply, so the header must allow the
 * same script hashes or the app cannot start; everything else stays `default-src 'self'`.
 */
export function uiCsp(indexHtml: string): string {
  const meta = /<meta\s+http-equiv="content-security-policy"\s+content="([^"]*)"/i.exec(indexHtml)?.[1];
  const scriptSrc = meta
    ?.split(';')
    .map((d) => d.trim())
    .find((d) => /^script-src\s/.test(d) && /^script-src(\s+('self'|'sha(256|384|512)-[A-Za-z0-9+/=]+'))+$/.test(d));
  return scriptSrc ? `${CSP}; ${scriptSrc}` : CSP;
}

function parse<S extends z.ZodType | undefined>(schema: S, value: unknown, source: string) {
  if (!schema) return undefined;
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(source, r.error.issues);
  return r.data;
}

function checkDeclarations(routes: RouteDef[]) {
  const seen = new Set<string>();
  for (const r of routes) {
    const id = `${r.method.toUpperCase()} ${r.path}`;
    if (!r.access) throw new Error(`route ${id} declares no access: every route must say who may call it`);
    if (r.access.kind === 'org' && !r.path.includes(':orgId')) throw new Error(`route ${id}: org access needs :orgId`);
    if (r.access.kind === 'project' && !r.path.includes(':projectId'))
      throw new Error(`route ${id}: project access needs :projectId`);
    if (seen.has(id)) throw new Error(`route ${id} is declared twice`);
    seen.add(id);
  }
}

export function createApp(opts: AppOptions) {
  checkDeclarations(opts.routes);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', opts.trustProxy);
  app.set('query parser', 'extended');

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.on('finish', () => {
      const route = (res.locals.routeTemplate as string | undefined) ?? (res.statusCode === 404 ? 'unmatched' : 'other');
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      opts.metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.locals.routeTemplate = '/healthz';
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    res.locals.routeTemplate = '/readyz';
    try {
      await opts.ready();
      res.json({ status: 'ready' });
    } catch (err) {
      opts.log.warn({ err }, 'readiness check failed');
      res.status(503).json(appError('UNAVAILABLE', 'a database is not reachable').toBody());
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.locals.routeTemplate = '/metrics';
    res.setHeader('Content-Type', opts.metrics.registry.contentType);
    res.send(await opts.metrics.registry.metrics());
  });

  for (const { path: p, router } of opts.routers ?? []) app.use(p, router);

  const api = express.Router();
  const openapi = buildOpenApi(opts.routes, opts.version);
  api.get('/openapi.json', (_req, res) => {
    res.locals.routeTemplate = '/api/v1/openapi.json';
    res.json(openapi);
  });

  for (const route of opts.routes) {
    const jsonBody = express.json({ limit: route.bodyLimit ?? '100kb', strict: false, type: ['application/json', 'application/*+json'] });
    api[route.method](route.path, (req, res, next) => {
      res.locals.routeTemplate = `/api/v1${route.path}`;
      if (!route.body) return next();
      if (req.headers['content-length'] !== '0' && req.headers['content-type'] && !req.is(['application/json', 'application/*+json'])) {
        return next(appError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'));
      }
      jsonBody(req, res, next);
    }, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const actor = await authenticate(opts.authenticators, req);
        const ctx = await resolveAccess(opts.pg, route.access, route.method, actor, req.params as Record<string, string>, {
          ip: req.ip ?? '',
          userAgent: req.get('user-agent') ?? '',
          requestId: res.locals.requestId as string,
          secure: req.secure,
        });
        res.locals.actor = actor;
        for (const guard of opts.guards ?? []) await guard({ req, res, route, ctx });
        const input = {
          params: parse(route.params, req.params, 'params'),
          query: parse(route.query, req.query, 'query'),
          body: parse(route.body, req.body ?? {}, 'body'),
          page: route.list ? parse(pageSchema, { limit: req.query.limit, offset: req.query.offset }, 'query')! : { limit: 100, offset: 0 },
        };
        const result = await route.handler(ctx, input as never);
        const status = route.status ?? 200;
        if (result instanceof RawReply) {
          res.status(status).type(result.contentType).set(result.headers).send(result.body);
        } else if (result instanceof JsonReply) {
          for (const [k, v] of Object.entries(result.headers)) res.setHeader(k, v);
          if (status === 204 || result.data === undefined) res.status(status === 200 ? 204 : status).end();
          else res.status(status).json({ data: result.data });
        } else if (route.list) {
          const { items, total } = result as { items: unknown[]; total: number };
          res.status(status).json({ data: items, meta: { pagination: { ...input.page, total } } });
        } else if (status === 204 || result === undefined) {
          res.status(status === 200 ? 204 : status).end();
        } else {
          res.status(status).json({ data: result });
        }
      } catch (err) {
        next(err);
      }
    });
  }
  api.use((req, _res, next) => next(appError('NOT_FOUND', `no route ${req.method} ${req.baseUrl}${req.path}`)));
  app.use('/api/v1', api);
  app.use('/api', (req, _res, next) => next(appError('NOT_FOUND', `no route ${req.method} ${req.originalUrl.split('?')[0]}`)));

  const uiDir = opts.uiDir;
  if (uiDir && existsSync(path.join(uiDir, 'index.html'))) {
    const fallback = path.join(uiDir, 'index.html');
    const csp = uiCsp(readFileSync(fallback, 'utf8'));
    app.use((_req, res, next) => {
      res.setHeader('Content-Security-Policy', csp);
      next();
    });
    app.use(express.static(uiDir, { index: 'index.html', maxAge: '1h', setHeaders: (res, file) => {
      if (file.includes(`${path.sep}_app${path.sep}immutable${path.sep}`)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      if (file.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache');
    } }));
    app.get(/.*/, (req, res, next) => {
      if (!req.accepts('html')) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(fallback);
    });
  }

  app.use((req, _res, next) => next(appError('NOT_FOUND', `no route ${req.method} ${req.path}`)));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toAppError(err);
    if (e.status >= 500) opts.log.error({ err, requestId: res.locals.requestId, path: req.path }, 'request failed');
    if (res.headersSent) return res.end();
    res.status(e.status).set(e.headers).json(e.toBody());
  });
  return app;
}

/** Maps body-parser's and anything else's errors onto our codes; unknown errors become INTERNAL with no detail. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; limit?: number };
  if (e?.type === 'entity.too.large') return appError('PAYLOAD_TOO_LARGE', `the request body exceeds ${e.limit} bytes`);
  if (e?.type === 'entity.parse.failed') return appError('MALFORMED_BODY', 'the request body is not valid JSON');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return appError('UNSUPPORTED_MEDIA_TYPE', 'unsupported content encoding or charset');
  if (e?.type === 'request.aborted') return appError('MALFORMED_BODY', 'the request was aborted');
  if (e?.status === 400) return appError('MALFORMED_BODY', 'the request could not be read');
  return appError('INTERNAL', 'internal error');
}
