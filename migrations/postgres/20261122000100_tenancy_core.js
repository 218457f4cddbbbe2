// Organizations (the tenant), users, memberships, projects and personal API keys.
// Row-level security is enabled and forced on every tenant table; the API's role
// (cairn_app) sees a row only when the transaction's app.org_id (or, for a user's own
// rows, app.user_id) matches. With neither set, it sees nothing.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw(`
    CREATE EXTENSION IF NOT EXISTS pgcrypto;

    CREATE FUNCTION cairn_org_id() RETURNS uuid LANGUAGE sql STABLE AS
      $$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;
    CREATE FUNCTION cairn_user_id() RETURNS uuid LANGUAGE sql STABLE AS
      $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

    CREATE TABLE organizations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      plan text NOT NULL DEFAULT 'free',
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deleting')),
      isolation text NOT NULL DEFAULT 'shared' CHECK (isolation IN ('shared', 'dedicated')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email text NOT NULL CHECK (email = lower(email)),
      name text NOT NULL DEFAULT '',
      password_hash text,
      is_instance_admin boolean NOT NULL DEFAULT false,
      disabled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_email_key ON users (email);

    CREATE TABLE memberships (
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organization_id, user_id)
    );
    CREATE INDEX memberships_user_idx ON memberships (user_id);

    CREATE TABLE projects (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      timezone text NOT NULL DEFAULT 'UTC',
      token text NOT NULL UNIQUE CHECK (length(token) >= 32),
      retention_days integer CHECK (retention_days IS NULL OR retention_days > 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX projects_org_idx ON projects (organization_id);

    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      name text NOT NULL DEFAULT '',
      prefix text NOT NULL,
      key_hash text NOT NULL UNIQUE,
      scopes text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'admin']::text[] AND cardinality(scopes) > 0),
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX api_keys_user_idx ON api_keys (user_id);

    ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
    ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON organizations USING (id = cairn_org_id());
    CREATE POLICY member_reads ON organizations FOR SELECT USING (
      id IN (SELECT organization_id FROM memberships WHERE user_id = cairn_user_id()));

    ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
    ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON memberships USING (organization_id = cairn_org_id());
    CREATE POLICY own_reads ON memberships FOR SELECT USING (user_id = cairn_user_id());

    ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
    ALTER TABLE projects FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON projects USING (organization_id = cairn_org_id());

    -- Users span organizations: a user row is visible to itself, and to the organizations it belongs to.
    ALTER TABLE users ENABLE ROW LEVEL SECURITY;
    ALTER TABLE users FORCE ROW LEVEL SECURITY;
    CREATE POLICY self ON users USING (id = cairn_user_id());
    CREATE POLICY org_members ON users FOR SELECT USING (
      id IN (SELECT user_id FROM memberships WHERE organization_id = cairn_org_id()));

    ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
    ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
    CREATE POLICY own ON api_keys USING (user_id = cairn_user_id());

    -- The only ways the app role reaches across tenants, each narrow and returning only what
    -- authentication needs. SECURITY DEFINER runs them as the owner, past RLS.
    CREATE FUNCTION cairn_authenticate_api_key(p_hash text)
      RETURNS TABLE (key_id uuid, user_id uuid, email text, is_instance_admin boolean, scopes text[])
      LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
        UPDATE api_keys k SET last_used_at = now()
          FROM users u
         WHERE k.key_hash = p_hash AND u.id = k.user_id
           AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
           AND u.disabled_at IS NULL
        RETURNING k.id, u.id, u.email, u.is_instance_admin, k.scopes
      $$;

    CREATE FUNCTION cairn_project_by_token(p_token text)
      RETURNS TABLE (project_id uuid, organization_id uuid, org_status text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT p.id, p.organization_id, o.status FROM projects p JOIN organizations o ON o.id = p.organization_id
         WHERE p.token = p_token
      $$;

    -- Which organization a project belongs to, and the caller's role there: nothing if not a member.
    CREATE FUNCTION cairn_project_access(p_project uuid, p_user uuid)
      RETURNS TABLE (organization_id uuid, role text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT p.organization_id, m.role FROM projects p
          JOIN memberships m ON m.organization_id = p.organization_id AND m.user_id = p_user
         WHERE p.id = p_project
      $$;

    CREATE FUNCTION cairn_instance_initialised() RETURNS boolean
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$ SELECT EXISTS (SELECT 1 FROM users) $$;

    REVOKE ALL ON FUNCTION cairn_authenticate_api_key(text), cairn_project_by_token(text), cairn_project_access(uuid, uuid),
      cairn_instance_initialised() FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION cairn_authenticate_api_key(text), cairn_project_by_token(text), cairn_project_access(uuid, uuid),
      cairn_instance_initialised(),
      cairn_org_id(), cairn_user_id() TO cairn_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, users, memberships, projects, api_keys TO cairn_app;
  `);
}

/** @param {import('knex').Knex} knex */
export async function down() {
  throw new Error('migrations are forward-only');
}
