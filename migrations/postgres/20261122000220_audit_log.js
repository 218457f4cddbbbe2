// The audit log: append-only for the application role (INSERT and SELECT only) and
// hash-chained per organization, so an edit made directly in the database is detectable.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw(`
    CREATE TABLE audit_log (
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      seq bigint NOT NULL CHECK (seq > 0),
      id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
      at timestamptz NOT NULL,
      actor_id uuid,
      actor_email text NOT NULL DEFAULT '',
      impersonator_id uuid,
      action text NOT NULL,
      target_type text NOT NULL DEFAULT '',
      target_id text NOT NULL DEFAULT '',
      ip text NOT NULL DEFAULT '',
      user_agent text NOT NULL DEFAULT '',
      data jsonb NOT NULL DEFAULT '{}',
      prev_hash text NOT NULL,
      hash text NOT NULL,
      PRIMARY KEY (organization_id, seq)
    );
    CREATE INDEX audit_log_org_at_idx ON audit_log (organization_id, at);
    ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
    ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON audit_log USING (organization_id = cairn_org_id());
    GRANT SELECT, INSERT ON audit_log TO cairn_app;
  `);
}

/** @param {import('knex').Knex} knex */
export async function down() {
  throw new Error('migrations are forward-only');
}
