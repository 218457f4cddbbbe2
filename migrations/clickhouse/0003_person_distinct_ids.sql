-- Which person a distinct id belongs to now. The highest version wins; a merge writes a new
-- version for every distinct id of the absorbed person, so reading this table (FINAL or
-- argMax(person_id, version)) gives the current person of any event's distinct_id.
CREATE TABLE IF NOT EXISTS ${database}.person_distinct_ids
(
    project_id   UUID,
    distinct_id  String,
    person_id    UUID,
    version      UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (project_id, distinct_id);
