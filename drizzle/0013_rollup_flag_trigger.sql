-- New flags move their rewards' 'created' contribution from the marks without them to the marks
-- with them. Set-based: the flags that were there before this statement are found with one
-- anti-join against the statement's new rows (0008 looked each one up in the unindexed
-- transition table, so a batch of n flags cost n² comparisons).
CREATE OR REPLACE FUNCTION reward_rollups_on_flag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH touched AS (
    SELECT DISTINCT workspace_id, reward_id FROM new_rows
  ), marks AS (
    SELECT t.workspace_id, t.reward_id,
           reward_flag_marks(array_agg(f.type) FILTER (WHERE fresh.id IS NULL)) AS before_marks,
           reward_flag_marks(array_agg(f.type)) AS after_marks
    FROM touched t
    JOIN reward_flags f ON f.workspace_id = t.workspace_id AND f.reward_id = t.reward_id
    LEFT JOIN new_rows fresh ON fresh.workspace_id = f.workspace_id AND fresh.id = f.id
    GROUP BY t.workspace_id, t.reward_id
  )
  INSERT INTO reward_rollups AS t (workspace_id, measure, day, status, currency, bucket, shard, n, amount)
  SELECT d.workspace_id, d.measure, d.day, d.status, d.currency, d.bucket, pg_backend_pid() % 8, sum(d.n), sum(d.amount)
  FROM (
    SELECT r.workspace_id, f.measure, f.day, f.status, f.currency, f.bucket, -f.n AS n, -f.amount AS amount
    FROM marks m JOIN rewards r ON r.workspace_id = m.workspace_id AND r.id = m.reward_id,
    LATERAL reward_rollup_facts(r, m.before_marks) f
    WHERE f.measure = 'created' AND m.before_marks <> m.after_marks
    UNION ALL
    SELECT r.workspace_id, f.measure, f.day, f.status, f.currency, f.bucket, f.n, f.amount
    FROM marks m JOIN rewards r ON r.workspace_id = m.workspace_id AND r.id = m.reward_id,
    LATERAL reward_rollup_facts(r, m.after_marks) f
    WHERE f.measure = 'created' AND m.before_marks <> m.after_marks
  ) d
  GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.n) <> 0 OR sum(d.amount) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (workspace_id, measure, day, status, currency, bucket, shard)
  DO UPDATE SET n = t.n + excluded.n, amount = t.amount + excluded.amount;
  RETURN NULL;
END $$;
