-- Participant search matches '%q%' on several columns: trigram indexes serve it (PostgreSQL's
-- contrib; PGlite loads the same extension in db/client.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE TABLE "reward_rollups" (
	"workspace_id" text NOT NULL,
	"measure" text NOT NULL,
	"day" date NOT NULL,
	"status" "reward_status" NOT NULL,
	"currency" text NOT NULL,
	"bucket" integer NOT NULL,
	"shard" smallint NOT NULL,
	"n" bigint NOT NULL,
	"amount" bigint NOT NULL,
	CONSTRAINT "reward_rollups_workspace_id_measure_day_status_currency_bucket_shard_pk" PRIMARY KEY("workspace_id","measure","day","status","currency","bucket","shard"),
	CONSTRAINT "reward_rollups_measure_ck" CHECK ("reward_rollups"."measure" in ('created', 'revenue', 'approved', 'sent', 'hours_to_sent', 'all_time'))
);
--> statement-breakpoint
CREATE INDEX "participants_search_trgm_idx" ON "participants" USING gin ("name" gin_trgm_ops,"email" gin_trgm_ops,"referral_code" gin_trgm_ops,"external_id" gin_trgm_ops,"phone" gin_trgm_ops);--> statement-breakpoint

-- Report rollups (reward_rollups, see db/schema.ts), kept by triggers rather than by the code that
-- writes rewards: the invariant "rollups = the sum over the rows" then holds whatever writes them
-- (transitionReward, the claim engine's batches, a future import or a manual fix), in the same
-- transaction, and the triggers are statement-level over transition tables, so a multi-row write
-- costs one aggregated upsert, not one per row.

-- The evidence criteria a reward lacks (reports/report.schema.ts ACCURACY_CRITERIA, in order):
-- the one definition the eligibility-accuracy report and the rollups share.
CREATE FUNCTION reward_evidence_lacks(r rewards) RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT array_remove(ARRAY[
    CASE WHEN r.attribution ? 'referralId' AND EXISTS (
           SELECT 1 FROM referrals f WHERE f.workspace_id = r.workspace_id AND f.id = r.referral_id)
         THEN NULL ELSE 'attribution_evidence' END,
    CASE WHEN EXISTS (
           SELECT 1 FROM conversions c JOIN program_rules pr
             ON pr.workspace_id = r.workspace_id AND pr.program_id = r.program_id AND pr.version = r.rules_version
           WHERE c.workspace_id = r.workspace_id AND c.id = r.conversion_id AND c.type = ANY (pr.qualifying_types))
         THEN NULL ELSE 'qualifying_event' END,
    CASE WHEN length(r.terms_version) > 0 AND EXISTS (
           SELECT 1 FROM program_rules pr WHERE pr.workspace_id = r.workspace_id AND pr.program_id = r.program_id
             AND pr.version = r.rules_version AND pr.terms_version = r.terms_version)
         THEN NULL ELSE 'program_terms' END,
    CASE WHEN jsonb_array_length(r.checks) > 0 AND r.checks @> '[{"check": "self_referral"}]'::jsonb
              AND r.checks @> '[{"check": "duplicate_claim"}]'::jsonb
         THEN NULL ELSE 'fraud_check' END,
    CASE WHEN length(r.calculation) > 0 THEN NULL ELSE 'payout_calculation' END,
    CASE WHEN r.approval_record IS NOT NULL AND r.approved_at IS NOT NULL THEN NULL ELSE 'approval_record' END
  ], NULL)
$$;
--> statement-breakpoint

-- A reward's flag types as the marks of the 'created' measure (4 flagged, 8 disputed, 16
-- duplicate, 32 partner exception).
CREATE FUNCTION reward_flag_marks(types flag_type[]) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT (CASE WHEN coalesce(cardinality(types), 0) > 0 THEN 4 ELSE 0 END)
       | (CASE WHEN 'disputed_attribution' = ANY (types) THEN 8 ELSE 0 END)
       | (CASE WHEN 'duplicate_claim' = ANY (types) THEN 16 ELSE 0 END)
       | (CASE WHEN 'partner_exception' = ANY (types) THEN 32 ELSE 0 END)
$$;
--> statement-breakpoint

CREATE FUNCTION reward_flag_types(workspace text, reward text) RETURNS flag_type[] LANGUAGE sql STABLE AS $$
  SELECT array_agg(f.type) FROM reward_flags f WHERE f.workspace_id = workspace AND f.reward_id = reward
$$;
--> statement-breakpoint

-- Hours from sale to sent in tenths: exact to 0.1 h (what the dashboard shows) up to 10 days, to
-- the hour up to 100 days, to the day beyond, so the histogram stays small.
CREATE FUNCTION reward_hours_bucket(hours double precision) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN hours < 240 THEN round(hours * 10)::integer
              WHEN hours < 2400 THEN round(hours)::integer * 10
              ELSE round(hours / 24)::integer * 240 END
$$;
--> statement-breakpoint

-- One reward's contribution to each measure (db/schema.ts reward_rollups), given its flag marks.
CREATE FUNCTION reward_rollup_facts(r rewards, marks integer)
RETURNS TABLE (measure text, day date, status reward_status, currency text, bucket integer, n bigint, amount bigint)
LANGUAGE sql STABLE AS $$
  SELECT 'created', (r.created_at AT TIME ZONE 'UTC')::date, r.status, r.currency,
         marks | (CASE WHEN r.approved_at IS NOT NULL OR r.sent_at IS NOT NULL THEN 1 ELSE 0 END)
               | (CASE WHEN r.sent_at IS NOT NULL THEN 2 ELSE 0 END), 1::bigint, r.amount
  UNION ALL
  SELECT 'revenue', (r.created_at AT TIME ZONE 'UTC')::date, r.status, c.currency, 0, 1, c.amount
    FROM conversions c WHERE c.workspace_id = r.workspace_id AND c.id = r.conversion_id
  UNION ALL
  SELECT 'approved', (r.approved_at AT TIME ZONE 'UTC')::date, r.status, r.currency, 0, 1, r.amount
    WHERE r.approved_at IS NOT NULL
  UNION ALL
  SELECT 'sent', (r.sent_at AT TIME ZONE 'UTC')::date, r.status, r.currency,
         CASE WHEN cardinality(reward_evidence_lacks(r)) > 0 THEN 1 ELSE 0 END, 1, r.amount
    WHERE r.sent_at IS NOT NULL
  UNION ALL
  SELECT 'hours_to_sent', (r.created_at AT TIME ZONE 'UTC')::date, r.status, r.currency,
         reward_hours_bucket(extract(epoch FROM r.sent_at - c.occurred_at) / 3600), 1, 0
    FROM conversions c WHERE r.sent_at IS NOT NULL AND c.workspace_id = r.workspace_id AND c.id = r.conversion_id
  UNION ALL
  SELECT 'all_time', '-infinity'::date, r.status, r.currency, 0, 1, r.amount
$$;
--> statement-breakpoint

-- Deltas are summed per rollup row, rows whose delta is zero are skipped (an update that moves
-- nothing locks nothing), and the rest are upserted in key order, so two writers take the row
-- locks they share in the same order. `shard` (the backend's pid mod 8) keeps concurrent
-- transactions of one workspace off each other's rows: the same day, status and currency would
-- otherwise be one row every claim creation waits on until the previous one commits.
CREATE FUNCTION reward_rollups_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO reward_rollups AS t (workspace_id, measure, day, status, currency, bucket, shard, n, amount)
  SELECT r.workspace_id, f.measure, f.day, f.status, f.currency, f.bucket, pg_backend_pid() % 8, sum(f.n), sum(f.amount)
  FROM new_rows r, LATERAL reward_rollup_facts(r, reward_flag_marks(reward_flag_types(r.workspace_id, r.id))) f
  GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (workspace_id, measure, day, status, currency, bucket, shard)
  DO UPDATE SET n = t.n + excluded.n, amount = t.amount + excluded.amount;
  RETURN NULL;
END $$;
--> statement-breakpoint

-- Most updates (notes, the checks of an open claim, hold dates) change nothing a measure reads:
-- `changed` keeps only the rewards whose contribution may move, before any fact is worked out.
CREATE FUNCTION reward_rollups_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH changed AS (
    SELECT r.workspace_id, r.id, reward_flag_marks(reward_flag_types(r.workspace_id, r.id)) AS marks
    FROM new_rows r JOIN old_rows o ON o.workspace_id = r.workspace_id AND o.id = r.id
    WHERE (o.status, o.amount, o.currency, o.created_at, o.approved_at, o.sent_at, o.conversion_id, o.referral_id,
           o.program_id, o.rules_version, o.terms_version, o.attribution, o.checks, o.calculation, o.approval_record)
      IS DISTINCT FROM
          (r.status, r.amount, r.currency, r.created_at, r.approved_at, r.sent_at, r.conversion_id, r.referral_id,
           r.program_id, r.rules_version, r.terms_version, r.attribution, r.checks, r.calculation, r.approval_record)
  )
  INSERT INTO reward_rollups AS t (workspace_id, measure, day, status, currency, bucket, shard, n, amount)
  SELECT d.workspace_id, d.measure, d.day, d.status, d.currency, d.bucket, pg_backend_pid() % 8, sum(d.n), sum(d.amount)
  FROM (
    SELECT o.workspace_id, f.measure, f.day, f.status, f.currency, f.bucket, -f.n AS n, -f.amount AS amount
    FROM changed c JOIN old_rows o ON o.workspace_id = c.workspace_id AND o.id = c.id,
         LATERAL reward_rollup_facts(o, c.marks) f
    UNION ALL
    SELECT r.workspace_id, f.measure, f.day, f.status, f.currency, f.bucket, f.n, f.amount
    FROM changed c JOIN new_rows r ON r.workspace_id = c.workspace_id AND r.id = c.id,
         LATERAL reward_rollup_facts(r, c.marks) f
  ) d
  GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.n) <> 0 OR sum(d.amount) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (workspace_id, measure, day, status, currency, bucket, shard)
  DO UPDATE SET n = t.n + excluded.n, amount = t.amount + excluded.amount;
  RETURN NULL;
END $$;
--> statement-breakpoint

CREATE TRIGGER reward_rollups_insert AFTER INSERT ON rewards
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reward_rollups_on_insert();
--> statement-breakpoint

CREATE TRIGGER reward_rollups_update AFTER UPDATE ON rewards
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reward_rollups_on_update();
--> statement-breakpoint

-- Flags only arrive (reward_flags_guard: never deleted, a resolution keeps the type), so a new
-- flag moves its reward's 'created' contribution from the marks without it to the marks with it.
CREATE FUNCTION reward_rollups_on_flag() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO reward_rollups AS t (workspace_id, measure, day, status, currency, bucket, shard, n, amount)
  SELECT d.workspace_id, d.measure, d.day, d.status, d.currency, d.bucket, pg_backend_pid() % 8, sum(d.n), sum(d.amount)
  FROM (
    SELECT r.workspace_id, f.measure, f.day, f.status, f.currency, f.bucket, -f.n AS n, -f.amount AS amount
    FROM (SELECT DISTINCT workspace_id, reward_id FROM new_rows) a
    JOIN rewards r ON r.workspace_id = a.workspace_id AND r.id = a.reward_id,
    LATERAL reward_rollup_facts(r, reward_flag_marks(ARRAY(
      SELECT x.type FROM reward_flags x WHERE x.workspace_id = a.workspace_id AND x.reward_id = a.reward_id
        AND NOT EXISTS (SELECT 1 FROM new_rows y WHERE y.workspace_id = x.workspace_id AND y.id = x.id)))) f
    WHERE f.measure = 'created'
    UNION ALL
    SELECT r.workspace_id, f.measure, f.day, f.status, f.currency, f.bucket, f.n, f.amount
    FROM (SELECT DISTINCT workspace_id, reward_id FROM new_rows) a
    JOIN rewards r ON r.workspace_id = a.workspace_id AND r.id = a.reward_id,
    LATERAL reward_rollup_facts(r, reward_flag_marks(reward_flag_types(a.workspace_id, a.reward_id))) f
    WHERE f.measure = 'created'
  ) d
  GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.n) <> 0 OR sum(d.amount) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (workspace_id, measure, day, status, currency, bucket, shard)
  DO UPDATE SET n = t.n + excluded.n, amount = t.amount + excluded.amount;
  RETURN NULL;
END $$;
--> statement-breakpoint

CREATE TRIGGER reward_rollups_flag AFTER INSERT ON reward_flags
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reward_rollups_on_flag();
--> statement-breakpoint

-- The rollups of the rewards that already exist (the same sum `rewardloop rollups rebuild` makes).
INSERT INTO reward_rollups (workspace_id, measure, day, status, currency, bucket, shard, n, amount)
SELECT r.workspace_id, f.measure, f.day, f.status, f.currency, f.bucket, 0, sum(f.n), sum(f.amount)
FROM rewards r, LATERAL reward_rollup_facts(r, reward_flag_marks(reward_flag_types(r.workspace_id, r.id))) f
GROUP BY 1, 2, 3, 4, 5, 6;
