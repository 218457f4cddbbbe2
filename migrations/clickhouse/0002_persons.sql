-- One row per version of a person; the highest version wins (read with FINAL or argMax).
-- `properties` is the full JSON object after applying $set / $set_once in event order.
-- A person merged into another (identify / alias) gets a last version with is_deleted = 1.
CREATE TABLE IF NOT EXISTS ${database}.persons
(
    project_id   UUID,
    id           UUID,
    properties   String CODEC(ZSTD(3)),
    created_at   DateTime64(6, 'UTC'),
    is_deleted   UInt8 DEFAULT 0,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, id);
