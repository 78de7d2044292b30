CREATE TYPE "public"."reward_kind" AS ENUM('referral', 'referred', 'milestone');--> statement-breakpoint
ALTER TYPE "public"."message_kind" ADD VALUE 'welcome';--> statement-breakpoint
DROP INDEX "rewards_one_per_referred_uq";--> statement-breakpoint
DROP INDEX "rewards_one_per_conversion_uq";--> statement-breakpoint
ALTER TABLE "reward_policies" ADD COLUMN "referred_reward" jsonb;--> statement-breakpoint
ALTER TABLE "reward_policies" ADD COLUMN "milestones" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "rewards" ADD COLUMN "kind" "reward_kind" DEFAULT 'referral' NOT NULL;--> statement-breakpoint
ALTER TABLE "rewards" ADD COLUMN "payee_id" text;--> statement-breakpoint
-- Every reward so far pays its referrer. The guard and the rollups have nothing to say about a
-- column that did not exist: they stay out of the backfill.
ALTER TABLE "rewards" DISABLE TRIGGER USER;--> statement-breakpoint
UPDATE "rewards" SET "payee_id" = "referrer_id";--> statement-breakpoint
ALTER TABLE "rewards" ENABLE TRIGGER USER;--> statement-breakpoint
ALTER TABLE "rewards" ALTER COLUMN "payee_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "rewards" ADD COLUMN "milestone" integer;--> statement-breakpoint
ALTER TABLE "rewards" ADD COLUMN "source_reward_id" text;--> statement-breakpoint
ALTER TABLE "rewards" ADD CONSTRAINT "rewards_workspace_id_payee_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","payee_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rewards_one_per_milestone_uq" ON "rewards" USING btree ("workspace_id","program_id","referrer_id","milestone") WHERE "rewards"."status" <> 'reversed' and "rewards"."kind" = 'milestone';--> statement-breakpoint
CREATE INDEX "rewards_payee_idx" ON "rewards" USING btree ("workspace_id","payee_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "rewards_one_per_referred_uq" ON "rewards" USING btree ("workspace_id","program_id","kind","referred_id") WHERE "rewards"."status" <> 'reversed' and "rewards"."kind" <> 'milestone';--> statement-breakpoint
CREATE UNIQUE INDEX "rewards_one_per_conversion_uq" ON "rewards" USING btree ("workspace_id","program_id","kind","conversion_id") WHERE "rewards"."status" <> 'reversed' and "rewards"."kind" <> 'milestone';--> statement-breakpoint
ALTER TABLE "rewards" ADD CONSTRAINT "rewards_kind_ck" CHECK (("rewards"."kind" = 'referred') = ("rewards"."payee_id" = "rewards"."referred_id" and "rewards"."payee_id" <> "rewards"."referrer_id")
        and ("rewards"."kind" = 'referred' or "rewards"."payee_id" = "rewards"."referrer_id")
        and ("rewards"."kind" = 'milestone') = ("rewards"."milestone" is not null)
        and ("rewards"."kind" = 'referral') = ("rewards"."source_reward_id" is null));--> statement-breakpoint
-- What a reward is and who it pays are facts like its amount: fixed once paid or closed, and a
-- new payee (or referrer) needs a new review round. Kind, milestone and origin never change.
CREATE OR REPLACE FUNCTION rewards_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'rewards are never deleted' USING ERRCODE = 'RL001';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status NOT IN ('in_review', 'pending') THEN
      RAISE EXCEPTION 'a reward starts in review or approved, not %', NEW.status USING ERRCODE = 'RL409';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'in_review' AND NEW.status IN ('pending', 'rejected', 'reversed'))
    OR (OLD.status = 'pending'   AND NEW.status IN ('sent', 'declined', 'failed', 'reversed', 'in_review'))
    OR (OLD.status = 'failed'    AND NEW.status IN ('pending', 'sent', 'reversed'))
    OR (OLD.status = 'sent'      AND NEW.status IN ('thanked', 'reversed'))
    OR (OLD.status = 'thanked'   AND NEW.status = 'reversed')
  ) THEN
    RAISE EXCEPTION 'reward % cannot move from % to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'RL409';
  END IF;
  IF NEW.kind <> OLD.kind OR NEW.milestone IS DISTINCT FROM OLD.milestone
     OR NEW.source_reward_id IS DISTINCT FROM OLD.source_reward_id THEN
    RAISE EXCEPTION 'reward %: what it is for never changes', OLD.id USING ERRCODE = 'RL409';
  END IF;
  -- Once paid (or closed), what was paid and to whom is history.
  IF OLD.status NOT IN ('in_review', 'pending', 'failed') AND (
       NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency OR NEW.referrer_id <> OLD.referrer_id
       OR NEW.payee_id <> OLD.payee_id) THEN
    RAISE EXCEPTION 'reward % is %: its amount and payee are fixed', OLD.id, OLD.status USING ERRCODE = 'RL409';
  END IF;
  IF (NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency OR NEW.referrer_id <> OLD.referrer_id
      OR NEW.payee_id <> OLD.payee_id)
     AND (NEW.status <> 'in_review' OR NEW.review_round <= OLD.review_round) THEN
    RAISE EXCEPTION 'reward %: a new amount or payee needs a new review round', OLD.id USING ERRCODE = 'RL409';
  END IF;
  IF OLD.sent_at IS NOT NULL AND NEW.sent_at IS DISTINCT FROM OLD.sent_at THEN
    RAISE EXCEPTION 'reward % was sent at %: that fact is fixed', OLD.id, OLD.sent_at USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
