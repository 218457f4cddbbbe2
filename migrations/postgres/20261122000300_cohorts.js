// Saved cohorts of a project: a behavioural or person-property definition (JSON, validated by
// the API's zod schema) usable as a query filter. Tenant data: RLS on cairn_org_id().

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw(`
    CREATE TABLE cohorts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      project_id uuid NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      description text NOT NULL DEFAULT '',
      definition jsonb NOT NULL,
      created_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX cohorts_project_idx ON cohorts (project_id, created_at);
    ALTER TABLE cohorts ENABLE ROW LEVEL SECURITY;
    ALTER TABLE cohorts FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON cohorts USING (organization_id = cairn_org_id());
    GRANT SELECT, INSERT, UPDATE, DELETE ON cohorts TO cairn_app;
  `);
}

/** @param {import('knex').Knex} knex */
export async function down() {
  throw new Error('migrations are forward-only');
}
