import createClient from 'openapi-fetch';
import type { paths } from './api/schema';

/** The error shape every Cairn API route answers with. */
export interface ApiError {
  code: string;
  message: string;
  fields?: Array<{ path: string; message: string }>;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
  /** The message for one input, matched on the field path (`body.email`) or its last part. */
  field(name: string): string | undefined {
    return this.error.fields?.find((f) => f.path === name || f.path === `body.${name}` || f.path.endsWith(`.${name}`))?.message;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The CSRF token the server set in the readable `cairn_csrf` cookie (see docs/security.md). */
export function csrfToken(): string | undefined {
  const m = document.cookie.match(/(?:^|;\s*)cairn_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

/** Typed client generated from GET /api/v1/openapi.json (`pnpm --filter @cairn/ui gen:api`). */
export const client = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
client.use({
  onRequest({ request }) {
    const token = csrfToken();
    if (WRITES.has(request.method) && token) request.headers.set('X-CSRF-Token', token);
    return request;
  },
});

type Fetched<T> = { data?: T; error?: unknown; response: Response };

const failure = (status: number, error: unknown) =>
  new ApiFailure(status, (error as { error?: ApiError } | undefined)?.error ?? { code: status ? 'INTERNAL' : 'NETWORK', message: status ? `The server answered ${status}.` : 'The server did not answer.' });

/** Unwraps `{ data }` from a typed call or throws an ApiFailure carrying the API's error. */
export async function unwrap<T>(call: Promise<Fetched<{ data: T }>>): Promise<T> {
  let r: Fetched<{ data: T }>;
  try {
    r = await call;
  } catch {
    throw failure(0, undefined);
  }
  if (!r.response.ok) throw failure(r.response.status, r.error);
  return r.data?.data as T;
}

/** Unwraps a list answer into items and the total. */
export async function unwrapList<T>(call: Promise<Fetched<{ data: T[]; meta: { pagination?: { total: number } } }>>) {
  let r: Fetched<{ data: T[]; meta: { pagination?: { total: number } } }>;
  try {
    r = await call;
  } catch {
    throw failure(0, undefined);
  }
  if (!r.response.ok) throw failure(r.response.status, r.error);
  return { items: r.data?.data ?? [], total: r.data?.meta.pagination?.total ?? 0 };
}

export const asFailure = (err: unknown) =>
  err instanceof ApiFailure ? err : new ApiFailure(0, { code: 'CLIENT', message: err instanceof Error ? err.message : String(err) });
