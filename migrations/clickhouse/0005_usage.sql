-- Accepted events per project per hour of receipt, for quotas and billing. Fed by every
-- insert into events (an insert folded by its deduplication token is not counted again).
-- Read with sum(events) ... GROUP BY project_id, hour.
CREATE TABLE IF NOT EXISTS ${database}.usage
(
    project_id  UUID,
    hour        DateTime('UTC'),
    events      UInt64
)
ENGINE = SummingMergeTree(events)
PARTITION BY toYYYYMM(hour)
ORDER BY (project_id, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS ${database}.usage_mv TO ${database}.usage AS
SELECT project_id, toStartOfHour(received_at) AS hour, count() AS events
FROM ${database}.events
GROUP BY project_id, hour;
