ALTER TYPE "public"."flag_type" ADD VALUE 'tax_form_missing';--> statement-breakpoint
ALTER TYPE "public"."webhook_event_type" ADD VALUE 'payout_batch.approved';--> statement-breakpoint
ALTER TYPE "public"."webhook_event_type" ADD VALUE 'payout_batch.paid';--> statement-breakpoint
CREATE TABLE "payout_batch_approvals" (
	"workspace_id" text NOT NULL,
	"batch_id" text NOT NULL,
	"approver_id" text NOT NULL,
	"approver_name" text NOT NULL,
	"approver_role" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payout_batch_approvals_workspace_id_batch_id_approver_id_pk" PRIMARY KEY("workspace_id","batch_id","approver_id")
);
--> statement-breakpoint
CREATE TABLE "payout_batch_items" (
	"workspace_id" text NOT NULL,
	"batch_id" text NOT NULL,
	"reward_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"payee_name" text NOT NULL,
	"payee_email" text,
	"amount" bigint NOT NULL,
	"removed_at" timestamp with time zone,
	"removed_reason" text,
	"released_at" timestamp with time zone,
	CONSTRAINT "payout_batch_items_workspace_id_batch_id_reward_id_pk" PRIMARY KEY("workspace_id","batch_id","reward_id"),
	CONSTRAINT "payout_batch_items_amount_ck" CHECK ("payout_batch_items"."amount" > 0 and "payout_batch_items"."amount" <= 1000000000000),
	CONSTRAINT "payout_batch_items_removed_ck" CHECK (("payout_batch_items"."removed_at" is null) = ("payout_batch_items"."removed_reason" is null))
);
--> statement-breakpoint
CREATE TABLE "payout_batches" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"program_id" text NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"through" timestamp with time zone NOT NULL,
	"note" text,
	"draft_total" bigint NOT NULL,
	"approvals_required" smallint NOT NULL,
	"checksum" text,
	"created_by" text NOT NULL,
	"created_by_name" text NOT NULL,
	"scheduled_for" date,
	"created_at" timestamp with time zone NOT NULL,
	"approved_at" timestamp with time zone,
	"paid_at" timestamp with time zone,
	"paid_by" text,
	"paid_by_name" text,
	"paid_reference" text,
	"cancelled_at" timestamp with time zone,
	"cancelled_by_name" text,
	"cancel_reason" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "payout_batches_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "payout_batches_status_ck" CHECK ("payout_batches"."status" in ('draft', 'approved', 'paid', 'cancelled')),
	CONSTRAINT "payout_batches_approvals_ck" CHECK ("payout_batches"."approvals_required" in (1, 2)),
	CONSTRAINT "payout_batches_dates_ck" CHECK (("payout_batches"."status" not in ('approved', 'paid') or ("payout_batches"."approved_at" is not null and "payout_batches"."checksum" is not null))
        and ("payout_batches"."status" <> 'paid' or ("payout_batches"."paid_at" is not null and "payout_batches"."paid_reference" is not null))
        and ("payout_batches"."status" <> 'cancelled' or "payout_batches"."cancelled_at" is not null))
);
--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "tax_form_type" text;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "tax_form_received_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "program_rules" ADD COLUMN "payout_day_of_month" smallint;--> statement-breakpoint
ALTER TABLE "program_rules" ADD COLUMN "tax_threshold_amount" bigint DEFAULT 200000 NOT NULL;--> statement-breakpoint
ALTER TABLE "program_rules" ADD COLUMN "tax_threshold_currency" text DEFAULT 'USD' NOT NULL;--> statement-breakpoint
ALTER TABLE "program_rules" ADD COLUMN "taxable_reward_types" "reward_type"[] DEFAULT '{gift_card,commission_share,custom}'::reward_type[] NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_batch_approvals" ADD CONSTRAINT "payout_batch_approvals_workspace_id_batch_id_payout_batches_workspace_id_id_fk" FOREIGN KEY ("workspace_id","batch_id") REFERENCES "public"."payout_batches"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_batch_items" ADD CONSTRAINT "payout_batch_items_workspace_id_batch_id_payout_batches_workspace_id_id_fk" FOREIGN KEY ("workspace_id","batch_id") REFERENCES "public"."payout_batches"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_batch_items" ADD CONSTRAINT "payout_batch_items_workspace_id_reward_id_rewards_workspace_id_id_fk" FOREIGN KEY ("workspace_id","reward_id") REFERENCES "public"."rewards"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_batches" ADD CONSTRAINT "payout_batches_workspace_id_program_id_programs_workspace_id_id_fk" FOREIGN KEY ("workspace_id","program_id") REFERENCES "public"."programs"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payout_batch_items_held_uq" ON "payout_batch_items" USING btree ("workspace_id","reward_id") WHERE "payout_batch_items"."removed_at" is null and "payout_batch_items"."released_at" is null;--> statement-breakpoint
CREATE INDEX "payout_batches_created_idx" ON "payout_batches" USING btree ("workspace_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "payout_batches_scheduled_uq" ON "payout_batches" USING btree ("workspace_id","currency","scheduled_for") WHERE "payout_batches"."scheduled_for" is not null;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_tax_form_ck" CHECK (("participants"."tax_form_type" is null) = ("participants"."tax_form_received_at" is null)
        and ("participants"."tax_form_type" is null or "participants"."tax_form_type" in ('W-9', 'W-8BEN', 'other')));--> statement-breakpoint
ALTER TABLE "program_rules" ADD CONSTRAINT "program_rules_payout_day_ck" CHECK ("program_rules"."payout_day_of_month" is null or "program_rules"."payout_day_of_month" between 1 and 31);--> statement-breakpoint
ALTER TABLE "program_rules" ADD CONSTRAINT "program_rules_tax_threshold_ck" CHECK ("program_rules"."tax_threshold_amount" >= 0 and "program_rules"."tax_threshold_amount" <= 1000000000000);
--> statement-breakpoint

-- Payout batches (payouts/payout-batch.core.ts holds the same rules). A batch moves only
-- draft → approved → paid, or draft/approved → cancelled; what was approved (checksum, currency,
-- maker) never changes, and batches are never deleted.
CREATE FUNCTION payout_batches_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'payout batches are never deleted' USING ERRCODE = 'RL001';
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'draft' AND NEW.status IN ('approved', 'cancelled'))
    OR (OLD.status = 'approved' AND NEW.status IN ('paid', 'cancelled'))
  ) THEN
    RAISE EXCEPTION 'payout batch % cannot move from % to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'RL409';
  END IF;
  IF NEW.currency <> OLD.currency OR NEW.created_by <> OLD.created_by OR NEW.through <> OLD.through
     OR NEW.draft_total <> OLD.draft_total OR NEW.approvals_required <> OLD.approvals_required
     OR (OLD.checksum IS NOT NULL AND NEW.checksum IS DISTINCT FROM OLD.checksum) THEN
    RAISE EXCEPTION 'payout batch % is fixed as drafted and approved', OLD.id USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER payout_batches_guard BEFORE UPDATE OR DELETE ON payout_batches
  FOR EACH ROW EXECUTE FUNCTION payout_batches_guard();
--> statement-breakpoint

-- A batch's items are frozen: only taking one out (once) or releasing it (once) is allowed.
CREATE FUNCTION payout_batch_items_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'payout batch items are never deleted' USING ERRCODE = 'RL001';
  END IF;
  IF NEW.batch_id <> OLD.batch_id OR NEW.reward_id <> OLD.reward_id OR NEW.participant_id <> OLD.participant_id
     OR NEW.payee_name <> OLD.payee_name OR NEW.payee_email IS DISTINCT FROM OLD.payee_email
     OR NEW.amount <> OLD.amount
     OR (OLD.removed_at IS NOT NULL AND (NEW.removed_at IS DISTINCT FROM OLD.removed_at
         OR NEW.removed_reason IS DISTINCT FROM OLD.removed_reason))
     OR (OLD.released_at IS NOT NULL AND NEW.released_at IS DISTINCT FROM OLD.released_at) THEN
    RAISE EXCEPTION 'payout batch item % / % is frozen', OLD.batch_id, OLD.reward_id USING ERRCODE = 'RL409';
  END IF;
  IF NEW.removed_at IS NOT NULL AND OLD.removed_at IS NULL
     AND (SELECT status FROM payout_batches b WHERE b.workspace_id = OLD.workspace_id AND b.id = OLD.batch_id)
         NOT IN ('draft', 'approved') THEN
    RAISE EXCEPTION 'payout batch % is closed: its items cannot be taken out', OLD.batch_id USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER payout_batch_items_guard BEFORE UPDATE OR DELETE ON payout_batch_items
  FOR EACH ROW EXECUTE FUNCTION payout_batch_items_guard();
--> statement-breakpoint

-- A reward held by an open batch is paid with the batch: marking it sent alone is refused
-- (mark-paid closes the batch first, in the same transaction, then marks its rewards sent).
CREATE FUNCTION rewards_payout_batch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  holder text;
BEGIN
  SELECT i.batch_id INTO holder FROM payout_batch_items i
    JOIN payout_batches b ON b.workspace_id = i.workspace_id AND b.id = i.batch_id
    WHERE i.workspace_id = NEW.workspace_id AND i.reward_id = NEW.id
      AND i.removed_at IS NULL AND i.released_at IS NULL AND b.status IN ('draft', 'approved');
  IF holder IS NOT NULL THEN
    RAISE EXCEPTION 'reward % is in payout batch %: it is paid with the batch', NEW.id, holder USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER rewards_payout_batch_guard BEFORE UPDATE OF status ON rewards
  FOR EACH ROW WHEN (NEW.status = 'sent' AND OLD.status <> 'sent')
  EXECUTE FUNCTION rewards_payout_batch_guard();
