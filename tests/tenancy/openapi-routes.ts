import { api } from '../support/cairn.js';

export type Declared =
  | { kind: 'public' }
  | { kind: 'user' }
  | { kind: 'instanceAdmin' }
  | { kind: 'org' | 'project'; role: 'viewer' | 'member' | 'admin' | 'owner' };

export interface WalkRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI path, e.g. /api/v1/orgs/{orgId}. */
  path: string;
  access: Declared;
  hasBody: boolean;
  params: string[];
}

/** The access each route declares, read back from the OpenAPI document the kit generates. */
export function declaredAccess(description: string | undefined): Declared | undefined {
  if (!description) return undefined;
  if (description.startsWith('Public.')) return { kind: 'public' };
  if (description.startsWith('Requires a signed-in user.')) return { kind: 'user' };
  if (description.startsWith('Requires an instance administrator.')) return { kind: 'instanceAdmin' };
  const m = /^Requires role `(viewer|member|admin|owner)` in the (organization|project's organization)\./.exec(description);
  if (m) return { kind: m[2] === 'organization' ? 'org' : 'project', role: m[1] as 'viewer' };
  return undefined;
}

/** Every /api/v1 route of the served OpenAPI document with a declared access. */
export async function walkRoutes(base: string): Promise<{ routes: WalkRoute[]; undeclared: string[] }> {
  const doc = (await api(base, 'GET', '/api/v1/openapi.json')).json;
  const routes: WalkRoute[] = [];
  const undeclared: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { description?: string; requestBody?: unknown }>>)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries(item)) {
      const access = declaredAccess(op.description);
      if (!access) {
        undeclared.push(`${method.toUpperCase()} ${path}`);
        continue;
      }
      routes.push({
        method: method.toUpperCase() as WalkRoute['method'],
        path,
        access,
        hasBody: !!op.requestBody,
        params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
      });
    }
  }
  return { routes, undeclared };
}

export const fill = (path: string, values: Record<string, string>, fallback: () => string) =>
  path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? fallback()));
