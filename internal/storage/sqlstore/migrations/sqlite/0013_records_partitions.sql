-- 0013_records_partitions: on PostgreSQL, the record log becomes
-- range-partitioned by month. SQLite has no partitioning and keeps records
-- as one table (a single-file deployment does not hold a country's log);
-- the schema does not change.
SELECT 1;
