// API key authentication wrote last_used_at on every request; once a minute is enough to
// show "last used" and saves a row write per API call.

/** @param {import('knex').Knex} knex */
export async function up(knex) {
  await knex.raw(`
    CREATE OR REPLACE FUNCTION cairn_authenticate_api_key(p_hash text)
      RETURNS TABLE (key_id uuid, user_id uuid, email text, is_instance_admin boolean, scopes text[])
      LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
        WITH k AS (
          SELECT k.id, k.last_used_at, u.id AS user_id, u.email, u.is_instance_admin, k.scopes
            FROM api_keys k JOIN users u ON u.id = k.user_id
           WHERE k.key_hash = p_hash AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
             AND u.disabled_at IS NULL
        ), touch AS (
          UPDATE api_keys SET last_used_at = now()
           WHERE id IN (SELECT id FROM k WHERE last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
        )
        SELECT id, user_id, email, is_instance_admin, scopes FROM k
      $$;
  `);
}

/** @param {import('knex').Knex} knex */
export async function down() {
  throw new Error('migrations are forward-only');
}
