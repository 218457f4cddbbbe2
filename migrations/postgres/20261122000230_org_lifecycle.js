// Organization lifecycle (suspend, soft delete with a grace period) and the encrypted
// connection settings of dedicated organizations. The application role may change an
// organization's name and lifecycle columns, never its plan or isolation.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw(`
    ALTER TABLE organizations
      ADD COLUMN suspended_at timestamptz,
      ADD COLUMN suspended_reason text,
      ADD COLUMN deleted_at timestamptz,
      ADD COLUMN purge_after timestamptz,
      ADD CONSTRAINT organizations_deleting_has_purge CHECK ((status = 'deleting') = (purge_after IS NOT NULL)),
      -- An organization suspended by the operator cannot be made active by its own members.
      ADD CONSTRAINT organizations_suspension_holds CHECK (suspended_at IS NULL OR status <> 'active');

    REVOKE UPDATE ON organizations FROM cairn_app;
    GRANT UPDATE (name, status, deleted_at, purge_after, updated_at) ON organizations TO cairn_app;

    -- Where a dedicated organization's databases are. Settings are AES-256-GCM ciphertext
    -- (key derived from the instance secret). No grant: only the owner role reads it.
    CREATE TABLE tenant_databases (
      organization_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
      postgres_settings text NOT NULL,
      clickhouse_settings text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    ALTER TABLE tenant_databases ENABLE ROW LEVEL SECURITY;
    ALTER TABLE tenant_databases FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON tenant_databases USING (organization_id = cairn_org_id());

    -- Fixed-window API request counters (per user, per organization). Unlogged: losing them
    -- in a crash only resets the current hour. No grant: reached through cairn_rate_hit.
    CREATE UNLOGGED TABLE rate_counters (
      key text NOT NULL,
      window_start timestamptz NOT NULL,
      count integer NOT NULL,
      PRIMARY KEY (key, window_start)
    );

    CREATE FUNCTION cairn_rate_hit(p_keys text[], p_window_start timestamptz)
      RETURNS TABLE (key text, count integer)
      LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
        INSERT INTO rate_counters AS r (key, window_start, count)
        SELECT k, p_window_start, 1 FROM unnest(p_keys) AS k
        ON CONFLICT (key, window_start) DO UPDATE SET count = r.count + 1
        RETURNING r.key, r.count
      $$;

    -- cairn_project_access plus the organization's state (for read-only suspension and plan limits).
    CREATE FUNCTION cairn_project_access_org(p_project uuid, p_user uuid)
      RETURNS TABLE (organization_id uuid, role text, status text, plan text, isolation text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT p.organization_id, m.role, o.status, o.plan, o.isolation FROM projects p
          JOIN organizations o ON o.id = p.organization_id
          JOIN memberships m ON m.organization_id = p.organization_id AND m.user_id = p_user
         WHERE p.id = p_project
      $$;

    REVOKE ALL ON FUNCTION cairn_rate_hit(text[], timestamptz), cairn_project_access_org(uuid, uuid) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION cairn_rate_hit(text[], timestamptz), cairn_project_access_org(uuid, uuid) TO cairn_app;
  `);
}

/** @param {import('knex').Knex} knex */
export async function down() {
  throw new Error('migrations are forward-only');
}
