// Invitations to an organization: expiring, single use, stored as a token hash.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw(`
    CREATE TABLE invitations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      email text NOT NULL CHECK (email = lower(email)),
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
      token_hash text NOT NULL UNIQUE,
      invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      accepted_at timestamptz,
      accepted_by uuid REFERENCES users(id) ON DELETE SET NULL,
      revoked_at timestamptz
    );
    CREATE INDEX invitations_org_idx ON invitations (organization_id);
    ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
    ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON invitations USING (organization_id = cairn_org_id());

    -- What the acceptance page needs about a token (by hash), and whether the invited email
    -- already has an account.
    CREATE FUNCTION cairn_invitation_by_token(p_hash text)
      RETURNS TABLE (id uuid, organization_id uuid, organization_name text, email text, role text,
                     expires_at timestamptz, accepted_at timestamptz, revoked_at timestamptz, existing_user_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT i.id, i.organization_id, o.name, i.email, i.role, i.expires_at, i.accepted_at, i.revoked_at, u.id
          FROM invitations i JOIN organizations o ON o.id = i.organization_id
          LEFT JOIN users u ON u.email = i.email
         WHERE i.token_hash = p_hash AND o.status = 'active'
      $$;
    REVOKE ALL ON FUNCTION cairn_invitation_by_token(text) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION cairn_invitation_by_token(text) TO cairn_app;
    GRANT SELECT, INSERT, UPDATE ON invitations TO cairn_app;
  `);
}

/** @param {import('knex').Knex} knex */
export async function down() {
  throw new Error('migrations are forward-only');
}
