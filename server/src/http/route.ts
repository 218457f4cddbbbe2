import type { z } from 'zod';
import type { RequestContext } from '../tenancy/context.js';
import type { Role, Scope } from '../tenancy/roles.js';

/**
 * Who may call a route. Every route declares one; the kit refuses to load a route without it.
 * - `public`: anyone (health checks, setup, login).
 * - `user`: any signed-in user; the service scopes by `ctx.actor`.
 * - `org`: a member of the organization in path parameter `orgId` with at least `role`.
 * - `project`: a member of the organization owning path parameter `projectId` with at least `role`.
 * - `instanceAdmin`: the operator.
 * `scope` is what a personal API key must carry (default: read for GET, write otherwise).
 * Routes needing the write or admin scope answer 403 ORG_SUSPENDED for a suspended or deleting
 * organization (it is read-only), unless the route says `whileSuspended: 'allow'` (restoring an
 * organization, for one). A POST that only reads declares `scope: 'read'` and keeps working.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'user'; scope?: Scope }
  | { kind: 'org'; role: Role; scope?: Scope; whileSuspended?: 'allow' }
  | { kind: 'project'; role: Role; scope?: Scope }
  | { kind: 'instanceAdmin'; scope?: Scope };

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ListResult<T> {
  items: T[];
  total: number;
}

/** A file or text answer that bypasses the JSON envelope (CSV exports and the like). */
export class RawReply {
  constructor(
    readonly body: string | Buffer,
    readonly contentType: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** A JSON answer (inside the usual envelope) with extra response headers, e.g. Set-Cookie. */
export class JsonReply<T = unknown> {
  constructor(
    readonly data: T,
    readonly headers: Record<string, string | string[]> = {},
  ) {}
}

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface Input<P, Q, B> {
  params: Infer<P>;
  query: Infer<Q>;
  body: Infer<B>;
  /** Pagination, present on list routes. */
  page: { limit: number; offset: number };
}

interface RouteBase<P, Q, B> {
  method: Method;
  /** Express-style path below /api/v1, e.g. `/orgs/:orgId/members`. */
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Largest accepted body, e.g. `100kb` (default) or `10mb`. */
  bodyLimit?: string;
  /** HTTP status on success (default 200; 201 for creations, 204 for no content). */
  status?: number;
}

export interface ItemRoute<P, Q, B, R extends z.ZodType> extends RouteBase<P, Q, B> {
  list?: false;
  response: R | null;
  handler(ctx: RequestContext, input: Input<P, Q, B>): Promise<z.output<R> | RawReply | JsonReply<z.output<R>> | void>;
}

export interface ListRoute<P, Q, B, R extends z.ZodType> extends RouteBase<P, Q, B> {
  list: true;
  /** Schema of one item. */
  response: R;
  handler(ctx: RequestContext, input: Input<P, Q, B>): Promise<ListResult<z.output<R>>>;
}

export type RouteDef = ItemRoute<any, any, any, any> | ListRoute<any, any, any, any>;

/** Declares a route. A function (not a bare object) so handler input types are inferred from the schemas. */
export function defineRoute<
  R extends z.ZodType,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(def: ItemRoute<P, Q, B, R> | ListRoute<P, Q, B, R>): RouteDef {
  return def as RouteDef;
}
