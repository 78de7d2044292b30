ALTER TABLE "rewards" DROP CONSTRAINT "rewards_kind_ck";--> statement-breakpoint
ALTER TABLE "recovery_tasks" ALTER COLUMN "conversion_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "rewards" ALTER COLUMN "conversion_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "rewards" ADD CONSTRAINT "rewards_kind_ck" CHECK (("rewards"."kind" = 'referred') = ("rewards"."payee_id" = "rewards"."referred_id" and "rewards"."payee_id" <> "rewards"."referrer_id")
        and ("rewards"."kind" = 'referred' or "rewards"."payee_id" = "rewards"."referrer_id")
        and ("rewards"."kind" = 'milestone') = ("rewards"."milestone" is not null)
        and ("rewards"."kind" = 'referral') = ("rewards"."source_reward_id" is null and "rewards"."conversion_id" is not null)
        and ("rewards"."kind" <> 'milestone' or "rewards"."source_reward_id" is not null));--> statement-breakpoint
-- A referred person's reward given at the lead has no sale: its qualifying event is the lead
-- itself (the referral it was given for, recorded and not voided). Every other reward still needs
-- a qualifying conversion under its rules version.
CREATE OR REPLACE FUNCTION reward_evidence_lacks(r rewards) RETURNS text[] LANGUAGE sql STABLE AS $$
  SELECT array_remove(ARRAY[
    CASE WHEN r.attribution ? 'referralId' AND EXISTS (
           SELECT 1 FROM referrals f WHERE f.workspace_id = r.workspace_id AND f.id = r.referral_id)
         THEN NULL ELSE 'attribution_evidence' END,
    CASE WHEN r.conversion_id IS NULL AND r.kind = 'referred' AND EXISTS (
           SELECT 1 FROM referrals f WHERE f.workspace_id = r.workspace_id AND f.id = r.referral_id
             AND f.voided_at IS NULL)
         THEN NULL
         WHEN EXISTS (
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
-- Referred revenue counts each sale once: the claims that come with a referrer's claim (the
-- referred person's own, a milestone bonus) share its sale and add no revenue of their own. A
-- reward given at the lead has no sale: from the lead to sent is not "sale to sent".
CREATE OR REPLACE FUNCTION reward_rollup_facts(r rewards, marks integer)
RETURNS TABLE (measure text, day date, status reward_status, currency text, bucket integer, n bigint, amount bigint)
LANGUAGE sql STABLE AS $$
  SELECT 'created', (r.created_at AT TIME ZONE 'UTC')::date, r.status, r.currency,
         marks | (CASE WHEN r.approved_at IS NOT NULL OR r.sent_at IS NOT NULL THEN 1 ELSE 0 END)
               | (CASE WHEN r.sent_at IS NOT NULL THEN 2 ELSE 0 END), 1::bigint, r.amount
  UNION ALL
  SELECT 'revenue', (r.created_at AT TIME ZONE 'UTC')::date, r.status, c.currency, 0, 1, c.amount
    FROM conversions c WHERE c.workspace_id = r.workspace_id AND c.id = r.conversion_id AND r.kind = 'referral'
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
