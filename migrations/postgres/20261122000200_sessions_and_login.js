// Server-side sessions, failed-login throttling and password-reset tokens.
// Sessions and reset tokens belong to a user (RLS on cairn_user_id()); the lookups that
// must happen before the user is known go through narrow SECURITY DEFINER functions.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw(`
    CREATE TABLE sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      token_hash text NOT NULL UNIQUE,
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      csrf_token text NOT NULL CHECK (length(csrf_token) >= 32),
      impersonator_id uuid REFERENCES users(id) ON DELETE CASCADE,
      impersonation_reason text,
      ip text NOT NULL DEFAULT '',
      user_agent text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      CHECK ((impersonator_id IS NULL) = (impersonation_reason IS NULL))
    );
    CREATE INDEX sessions_user_idx ON sessions (user_id);
    ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
    ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
    CREATE POLICY own ON sessions USING (user_id = cairn_user_id());

    CREATE TABLE password_resets (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    );
    CREATE INDEX password_resets_user_idx ON password_resets (user_id);
    ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
    ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;
    CREATE POLICY own ON password_resets USING (user_id = cairn_user_id());

    -- Links an external identity (an SSO provider's subject) to a user, within an organization.
    CREATE TABLE external_identities (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      provider text NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
      subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 500),
      user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_login_at timestamptz,
      UNIQUE (organization_id, provider, subject)
    );
    CREATE INDEX external_identities_user_idx ON external_identities (user_id);
    ALTER TABLE external_identities ENABLE ROW LEVEL SECURITY;
    ALTER TABLE external_identities FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant ON external_identities USING (organization_id = cairn_org_id());
    GRANT SELECT, INSERT, UPDATE, DELETE ON external_identities TO cairn_app;

    -- Failed sign-in counters, keyed 'account:<email>' and 'ip:<address>'. No grant: reached
    -- only through the functions below.
    CREATE TABLE auth_throttle (
      key text PRIMARY KEY,
      failures integer NOT NULL,
      window_start timestamptz NOT NULL,
      locked_until timestamptz
    );

    -- The session behind a cookie (by hash): nothing when revoked, expired, idle too long or
    -- the user is disabled. Touches last_seen_at at most once a minute.
    CREATE FUNCTION cairn_authenticate_session(p_hash text, p_idle interval)
      RETURNS TABLE (session_id uuid, user_id uuid, email text, is_instance_admin boolean, csrf_token text,
                     impersonator_id uuid, impersonator_email text)
      LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
        WITH s AS (
          SELECT s.id, s.last_seen_at, u.id AS user_id, u.email, u.is_instance_admin, s.csrf_token, s.impersonator_id, i.email AS impersonator_email
            FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN users i ON i.id = s.impersonator_id
           WHERE s.token_hash = p_hash AND s.revoked_at IS NULL AND s.expires_at > now()
             AND s.last_seen_at > now() - p_idle AND u.disabled_at IS NULL
        ), touch AS (
          UPDATE sessions SET last_seen_at = now()
           WHERE id IN (SELECT id FROM s WHERE last_seen_at < now() - interval '1 minute')
        )
        SELECT id, user_id, email, is_instance_admin, csrf_token, impersonator_id, impersonator_email FROM s
      $$;

    -- What password sign-in needs about an email: the user and its hash (nothing if unknown).
    CREATE FUNCTION cairn_login_lookup(p_email text)
      RETURNS TABLE (user_id uuid, email text, name text, password_hash text, is_instance_admin boolean, disabled boolean)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT id, email, name, password_hash, is_instance_admin, disabled_at IS NOT NULL FROM users WHERE email = lower(p_email)
      $$;

    -- Until when any of the keys is locked (NULL: not locked).
    CREATE FUNCTION cairn_login_locked_until(p_keys text[]) RETURNS timestamptz
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT max(locked_until) FROM auth_throttle WHERE key = ANY(p_keys) AND locked_until > now()
      $$;

    -- Counts one failure against a key; locks it for p_window once p_limit failures fall in one window.
    CREATE FUNCTION cairn_login_failed(p_key text, p_limit integer, p_window interval) RETURNS timestamptz
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
      DECLARE n integer; until timestamptz;
      BEGIN
        INSERT INTO auth_throttle AS t (key, failures, window_start) VALUES (p_key, 1, now())
        ON CONFLICT (key) DO UPDATE SET
          failures = CASE WHEN t.window_start < now() - p_window THEN 1 ELSE t.failures + 1 END,
          window_start = CASE WHEN t.window_start < now() - p_window THEN now() ELSE t.window_start END,
          locked_until = CASE WHEN t.locked_until > now() THEN t.locked_until END
        RETURNING failures, locked_until INTO n, until;
        IF n >= p_limit AND until IS NULL THEN
          until := now() + p_window;
          UPDATE auth_throttle SET locked_until = until WHERE key = p_key;
        END IF;
        RETURN until;
      END $$;

    CREATE FUNCTION cairn_login_succeeded(p_key text) RETURNS void
      LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$ DELETE FROM auth_throttle WHERE key = p_key $$;

    -- Records a reset token for an active user with this email; returns the user (NULL if none).
    CREATE FUNCTION cairn_password_reset_create(p_email text, p_hash text, p_ttl interval) RETURNS uuid
      LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
        INSERT INTO password_resets (user_id, token_hash, expires_at)
        SELECT id, p_hash, now() + p_ttl FROM users WHERE email = lower(p_email) AND disabled_at IS NULL
        RETURNING user_id
      $$;

    -- Uses a reset token once: the user it was for, or nothing if unknown, used or expired.
    CREATE FUNCTION cairn_password_reset_consume(p_hash text) RETURNS uuid
      LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
        UPDATE password_resets SET used_at = now()
         WHERE token_hash = p_hash AND used_at IS NULL AND expires_at > now()
        RETURNING user_id
      $$;

    REVOKE ALL ON FUNCTION cairn_authenticate_session(text, interval), cairn_login_lookup(text), cairn_login_locked_until(text[]),
      cairn_login_failed(text, integer, interval), cairn_login_succeeded(text), cairn_password_reset_create(text, text, interval),
      cairn_password_reset_consume(text) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION cairn_authenticate_session(text, interval), cairn_login_lookup(text), cairn_login_locked_until(text[]),
      cairn_login_failed(text, integer, interval), cairn_login_succeeded(text), cairn_password_reset_create(text, text, interval),
      cairn_password_reset_consume(text) TO cairn_app;
    GRANT SELECT, INSERT, UPDATE ON sessions TO cairn_app;
    GRANT SELECT, INSERT, UPDATE ON password_resets TO cairn_app;
  `);
}

/** @param {import('knex').Knex} knex */
export async function down() {
  throw new Error('migrations are forward-only');
}
