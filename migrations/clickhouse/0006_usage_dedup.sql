-- An insert into events that is folded by its deduplication token must not be counted again
-- in usage: the writer sets deduplicate_blocks_in_dependent_materialized_views, which needs
-- a deduplication window on the view's target table too.
ALTER TABLE ${database}.usage MODIFY SETTING non_replicated_deduplication_window = 10000;
