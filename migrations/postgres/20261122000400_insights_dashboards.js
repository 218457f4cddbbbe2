// Saved insights (a query definition plus how to show it), dashboards (a grid of insight
// tiles with dashboard-wide filters). Tenant data: organization_id on every row, row-level
// security enabled and forced, one policy on cairn_org_id(), explicit grants to cairn_app.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw(`
    CREATE TABLE insights (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      description text NOT NULL DEFAULT '',
      query jsonb NOT NULL,
      display text NOT NULL DEFAULT 'auto',
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX insights_project_idx ON insights (project_id, updated_at DESC);

    CREATE TABLE dashboards (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      description text NOT NULL DEFAULT '',
      filters jsonb NOT NULL DEFAULT '{}'::jsonb,
      refresh_seconds integer CHECK (refresh_seconds IS NULL OR refresh_seconds >= 30),
      is_default boolean NOT NULL DEFAULT false,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX dashboards_project_idx ON dashboards (project_id, created_at);

    CREATE TABLE dashboard_tiles (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      dashboard_id uuid NOT NULL REFERENCES dashboards(id) ON DELETE CASCADE,
      insight_id uuid NOT NULL REFERENCES insights(id) ON DELETE CASCADE,
      position integer NOT NULL DEFAULT 0,
      width integer NOT NULL DEFAULT 6 CHECK (width BETWEEN 1 AND 12),
      height integer NOT NULL DEFAULT 2 CHECK (height BETWEEN 1 AND 8),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX dashboard_tiles_dashboard_idx ON dashboard_tiles (dashboard_id, position);
    CREATE INDEX dashboard_tiles_insight_idx ON dashboard_tiles (insight_id);

    -- Which projects have had their default dashboard made, so deleting it does not bring it back.
    CREATE TABLE project_dashboard_defaults (
      project_id uuid PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    ALTER TABLE insights ENABLE ROW LEVEL SECURITY;
    ALTER TABLE insights FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON insights USING (organization_id = cairn_org_id());

    ALTER TABLE dashboards ENABLE ROW LEVEL SECURITY;
    ALTER TABLE dashboards FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON dashboards USING (organization_id = cairn_org_id());

    ALTER TABLE dashboard_tiles ENABLE ROW LEVEL SECURITY;
    ALTER TABLE dashboard_tiles FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON dashboard_tiles USING (organization_id = cairn_org_id());

    ALTER TABLE project_dashboard_defaults ENABLE ROW LEVEL SECURITY;
    ALTER TABLE project_dashboard_defaults FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON project_dashboard_defaults USING (organization_id = cairn_org_id());

    GRANT SELECT, INSERT, UPDATE, DELETE ON insights, dashboards, dashboard_tiles, project_dashboard_defaults TO cairn_app;
  `);
}

/** @param {import('knex').Knex} knex */
export async function down() {
  throw new Error('migrations are forward-only');
}
