-- Items the gateway or a consumer could not accept, with the reason and the payload as sent,
-- so nothing is dropped silently. Kept 90 days.
CREATE TABLE IF NOT EXISTS ${database}.events_dead_letter
(
    project_id   UUID,
    received_at  DateTime64(6, 'UTC'),
    reason       LowCardinality(String),
    detail       String,
    source       LowCardinality(String),
    payload      String CODEC(ZSTD(3)),
    inserted_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (project_id, received_at)
TTL toDateTime(received_at) + INTERVAL 90 DAY;
