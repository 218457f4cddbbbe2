import { ApiFailure, client, unwrap, unwrapList } from './api';

export type Role = 'viewer' | 'member' | 'admin' | 'owner';
const roles: Role[] = ['viewer', 'member', 'admin', 'owner'];
export const roleAtLeast = (have: Role | undefined, need: Role) => !!have && roles.indexOf(have) >= roles.indexOf(need);

export interface Me {
  id: string;
  email: string;
  name: string;
  instanceAdmin: boolean;
  organizations: Array<{ id: string; name: string; slug: string; role: Role; status: string }>;
  csrfToken?: string | null;
}

export interface Project {
  id: string;
  organizationId: string;
  name: string;
  timezone: string;
  token: string;
  retentionDays: number | null;
  createdAt: string;
}

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
