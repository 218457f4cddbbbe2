-- One row per event. ReplacingMergeTree on the sorting key folds re-deliveries of the same
-- event (same uuid) into one row; every query reads with FINAL (or an equivalent dedup), so
-- a duplicate never shows. Partitioned by month, sorted for per-project time-range scans.
CREATE TABLE IF NOT EXISTS ${database}.events
(
    project_id   UUID,
    uuid         UUID,
    event        LowCardinality(String),
    distinct_id  String,
    person_id    UUID,
    timestamp    DateTime64(6, 'UTC'),
    received_at  DateTime64(6, 'UTC'),
    properties   String CODEC(ZSTD(3)),
    person_set       String DEFAULT '',
    person_set_once  String DEFAULT '',
    url          String,
    path         String,
    referrer     String,
    browser      LowCardinality(String),
    os           LowCardinality(String),
    device_type  LowCardinality(String),
    country      LowCardinality(String),
    session_id   String,
    lib          LowCardinality(String),
    flags        Array(LowCardinality(String)) DEFAULT [],
    inserted_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, toDate(timestamp), event, cityHash64(distinct_id), uuid)
SETTINGS non_replicated_deduplication_window = 10000;
