ALTER TYPE "public"."flag_type" ADD VALUE 'existing_customer';--> statement-breakpoint
CREATE TABLE "reward_makers" (
	"workspace_id" text NOT NULL,
	"reward_id" text NOT NULL,
	"maker_id" text NOT NULL,
	"maker_name" text NOT NULL,
	"reason" text NOT NULL,
	"round" integer NOT NULL,
	"detail" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reward_makers_workspace_id_reward_id_maker_id_reason_round_pk" PRIMARY KEY("workspace_id","reward_id","maker_id","reason","round")
);
--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "created_via" text DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "created_by_name" text;--> statement-breakpoint
ALTER TABLE "partner_exceptions" ADD COLUMN "created_by_id" text;--> statement-breakpoint
ALTER TABLE "reward_makers" ADD CONSTRAINT "reward_makers_workspace_id_reward_id_rewards_workspace_id_id_fk" FOREIGN KEY ("workspace_id","reward_id") REFERENCES "public"."rewards"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "participants_phone_idx" ON "participants" USING btree ("workspace_id","phone");
--> statement-breakpoint

-- Makers of the claims that exist: whoever created one, changed its amount or its payee.
INSERT INTO reward_makers (workspace_id, reward_id, maker_id, maker_name, reason, round, created_at)
  SELECT workspace_id, id, created_by, created_by_name, 'created', 1, created_at FROM rewards
  UNION ALL
  SELECT workspace_id, id, amount_changed_by, amount_changed_by, 'amount_changed', review_round, updated_at FROM rewards
    WHERE amount_changed_by IS NOT NULL
  UNION ALL
  SELECT workspace_id, id, payee_changed_by, payee_changed_by, 'payee_changed', review_round, updated_at FROM rewards
    WHERE payee_changed_by IS NOT NULL
  ON CONFLICT DO NOTHING;
--> statement-breakpoint

-- Maker-checker held by the database: an approval counts only in the claim's current review
-- round, and never comes from one of the claim's makers (auto-approval included: its approver is
-- the owner whose opt-in is the record). Approvals and makers are history: never changed.
CREATE FUNCTION reward_approvals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  current_round integer;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'RL001';
  END IF;
  SELECT review_round INTO current_round FROM rewards
    WHERE workspace_id = NEW.workspace_id AND id = NEW.reward_id;
  IF current_round IS DISTINCT FROM NEW.round THEN
    RAISE EXCEPTION 'approval of reward % is for round %, the claim is in round %', NEW.reward_id, NEW.round, current_round
      USING ERRCODE = 'RL409';
  END IF;
  IF EXISTS (SELECT 1 FROM reward_makers m WHERE m.workspace_id = NEW.workspace_id
               AND m.reward_id = NEW.reward_id AND m.maker_id = NEW.approver_id) THEN
    RAISE EXCEPTION '% made reward %, so cannot approve it (maker-checker)', NEW.approver_id, NEW.reward_id
      USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER reward_approvals_guard BEFORE INSERT OR UPDATE OR DELETE ON reward_approvals
  FOR EACH ROW EXECUTE FUNCTION reward_approvals_guard();
--> statement-breakpoint
CREATE FUNCTION reward_makers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'reward_makers is append-only (% refused)', TG_OP USING ERRCODE = 'RL001';
END $$;
--> statement-breakpoint
CREATE TRIGGER reward_makers_append_only BEFORE UPDATE OR DELETE ON reward_makers
  FOR EACH ROW EXECUTE FUNCTION reward_makers_append_only();
--> statement-breakpoint

-- The lifecycle guard of 0001, plus: a change to what a claim pays or to whom sends it to review
-- in a new round, so no approval given before the change counts after it.
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
  -- Once paid (or closed), what was paid and to whom is history.
  IF OLD.status NOT IN ('in_review', 'pending', 'failed') AND (
       NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency OR NEW.referrer_id <> OLD.referrer_id) THEN
    RAISE EXCEPTION 'reward % is %: its amount and payee are fixed', OLD.id, OLD.status USING ERRCODE = 'RL409';
  END IF;
  IF (NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency OR NEW.referrer_id <> OLD.referrer_id)
     AND (NEW.status <> 'in_review' OR NEW.review_round <= OLD.review_round) THEN
    RAISE EXCEPTION 'reward %: a new amount or payee needs a new review round', OLD.id USING ERRCODE = 'RL409';
  END IF;
  IF OLD.sent_at IS NOT NULL AND NEW.sent_at IS DISTINCT FROM OLD.sent_at THEN
    RAISE EXCEPTION 'reward % was sent at %: that fact is fixed', OLD.id, OLD.sent_at USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
