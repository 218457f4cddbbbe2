-- A merge (identify / alias) must find every distinct id of the absorbed person. The table is
-- sorted by distinct id, so this skip index keeps that lookup from scanning the project.
ALTER TABLE ${database}.person_distinct_ids ADD INDEX IF NOT EXISTS person_id_bf person_id TYPE bloom_filter(0.01) GRANULARITY 1;
