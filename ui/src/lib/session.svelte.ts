import { ApiFailure, client, unwrap, unwrapList } from './api';
import type { paths } from './api/schema';

export type Role = 'viewer' | 'member' | 'admin' | 'owner';
const roles: Role[] = ['viewer', 'member', 'admin', 'owner'];
export const roleAtLeast = (have: Role | undefined, need: Role) => !!have && roles.indexOf(have) >= roles.indexOf(need);

type Json<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': { data: infer D } } } };
}
  ? D
  : never;

/** The signed-in user, as `GET /api/v1/me` answers (types generated from the OpenAPI document). */
export type Me = Json<'/api/v1/me', 'get'>;
export type Project = Json<'/api/v1/projects', 'get'> extends Array<infer P> ? P : never;

/** Who is signed in and what they can reach. Loaded once by the app shell, refreshed on switch. */
class Session {
  me = $state<Me | undefined>();
  projects = $state<Project[]>([]);
  status = $state<'idle' | 'loading' | 'ready' | 'signed-out' | 'error'>('idle');
  error = $state<ApiFailure | undefined>();

  async load(force = false) {
    if (this.status === 'ready' && !force) return;
    this.status = 'loading';
    try {
      this.me = (await unwrap(client.GET('/api/v1/me'))) as Me;
      this.projects = (await unwrapList(client.GET('/api/v1/projects', { params: { query: { limit: 1000 } } }))).items as Project[];
      this.status = 'ready';
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) {
        this.status = 'signed-out';
        this.me = undefined;
      } else {
        this.error = err instanceof ApiFailure ? err : undefined;
        this.status = 'error';
      }
    }
  }

  project(id: string | undefined) {
    return this.projects.find((p) => p.id === id);
  }

  roleIn(orgId: string | undefined): Role | undefined {
    return this.me?.organizations.find((o) => o.id === orgId)?.role;
  }

  /** Members and up build insights and dashboards; viewers only look. */
  canEdit(projectId: string | undefined) {
    return roleAtLeast(this.roleIn(this.project(projectId)?.organizationId), 'member');
  }

  async logout() {
    try {
      await unwrap(client.POST('/api/v1/auth/logout') as never);
    } finally {
      this.me = undefined;
      this.projects = [];
      this.status = 'signed-out';
    }
  }
}

export const session = new Session();
