-- SQLite port test (tests/scenarios/ports.py): 100,000 rows in ten transactions,
-- an index, queries, an update and a delete, each result printed; run by the
-- guest's sqlite3 on tmpfs and on FAT32 and by the host's on the host, and the
-- outputs compared byte for byte. Deterministic: no times, no random values.
.bail on
.headers off
.mode list
PRAGMA synchronous = FULL;
PRAGMA journal_mode;
CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER NOT NULL, name TEXT NOT NULL, v REAL);
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 0) * 7919) % 1000, 'name-' || (x + 0), (x + 0) * 0.5 FROM c;
COMMIT;
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 10000) * 7919) % 1000, 'name-' || (x + 10000), (x + 10000) * 0.5 FROM c;
COMMIT;
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 20000) * 7919) % 1000, 'name-' || (x + 20000), (x + 20000) * 0.5 FROM c;
COMMIT;
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 30000) * 7919) % 1000, 'name-' || (x + 30000), (x + 30000) * 0.5 FROM c;
COMMIT;
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 40000) * 7919) % 1000, 'name-' || (x + 40000), (x + 40000) * 0.5 FROM c;
COMMIT;
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 50000) * 7919) % 1000, 'name-' || (x + 50000), (x + 50000) * 0.5 FROM c;
COMMIT;
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 60000) * 7919) % 1000, 'name-' || (x + 60000), (x + 60000) * 0.5 FROM c;
COMMIT;
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 70000) * 7919) % 1000, 'name-' || (x + 70000), (x + 70000) * 0.5 FROM c;
COMMIT;
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 80000) * 7919) % 1000, 'name-' || (x + 80000), (x + 80000) * 0.5 FROM c;
COMMIT;
BEGIN;
INSERT INTO t(k, name, v)
  WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
  SELECT ((x + 90000) * 7919) % 1000, 'name-' || (x + 90000), (x + 90000) * 0.5 FROM c;
COMMIT;
SELECT count(*), sum(k), min(id), max(id), total(v) FROM t;
CREATE INDEX t_k ON t(k);
CREATE UNIQUE INDEX t_name ON t(name);
SELECT k, count(*) FROM t WHERE k IN (0, 1, 500, 999) GROUP BY k ORDER BY k;
SELECT id, name, v FROM t WHERE k = 123 ORDER BY id LIMIT 3;
SELECT id FROM t WHERE name = 'name-77777';
EXPLAIN QUERY PLAN SELECT id FROM t WHERE k = 5;
BEGIN;
UPDATE t SET v = v * 2 WHERE k < 100;
SELECT changes();
DELETE FROM t WHERE id % 10 = 0;
SELECT changes();
COMMIT;
SELECT count(*), sum(k), printf('%.1f', total(v)) FROM t;
SELECT k % 10 AS d, count(*), max(length(name)) FROM t GROUP BY d ORDER BY d;
BEGIN;
DELETE FROM t;
ROLLBACK;
SELECT count(*) FROM t;
PRAGMA integrity_check;
SELECT page_count > 100 FROM pragma_page_count();
