CREATE TABLE "credit_balances" (
	"workspace_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"currency" text NOT NULL,
	"balance" bigint NOT NULL,
	CONSTRAINT "credit_balances_workspace_id_participant_id_currency_pk" PRIMARY KEY("workspace_id","participant_id","currency"),
	CONSTRAINT "credit_balances_not_negative_ck" CHECK ("credit_balances"."balance" >= 0)
);
--> statement-breakpoint
CREATE TABLE "credit_entries" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"participant_id" text NOT NULL,
	"kind" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"reward_id" text,
	"reference" text,
	"created_by" text NOT NULL,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "credit_entries_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "credit_entries_kind_ck" CHECK ("credit_entries"."kind" in ('issued', 'redeemed', 'reversed')),
	CONSTRAINT "credit_entries_amount_ck" CHECK ("credit_entries"."amount" > 0 and "credit_entries"."amount" <= 1000000000000)
);
--> statement-breakpoint
CREATE TABLE "discount_codes" (
	"workspace_id" text NOT NULL,
	"code" text NOT NULL,
	"source" text NOT NULL,
	"status" text NOT NULL,
	"reward_id" text,
	"participant_id" text,
	"expires_at" timestamp with time zone,
	"issued_at" timestamp with time zone,
	"redeemed_at" timestamp with time zone,
	"redeemed_reference" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "discount_codes_workspace_id_code_pk" PRIMARY KEY("workspace_id","code"),
	CONSTRAINT "discount_codes_source_ck" CHECK ("discount_codes"."source" in ('generated', 'pool')),
	CONSTRAINT "discount_codes_status_ck" CHECK ("discount_codes"."status" in ('available', 'issued', 'redeemed')),
	CONSTRAINT "discount_codes_issued_ck" CHECK (("discount_codes"."status" = 'available') = ("discount_codes"."reward_id" is null) and ("discount_codes"."status" <> 'redeemed' or "discount_codes"."redeemed_at" is not null))
);
--> statement-breakpoint
CREATE TABLE "fulfilment_orders" (
	"workspace_id" text NOT NULL,
	"reward_id" text NOT NULL,
	"provider" text NOT NULL,
	"status" text NOT NULL,
	"round" integer DEFAULT 1 NOT NULL,
	"external_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"provider_order_id" text,
	"provider_status" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "fulfilment_orders_workspace_id_reward_id_pk" PRIMARY KEY("workspace_id","reward_id"),
	CONSTRAINT "fulfilment_orders_provider_ck" CHECK ("fulfilment_orders"."provider" in ('tremendous')),
	CONSTRAINT "fulfilment_orders_status_ck" CHECK ("fulfilment_orders"."status" in ('queued', 'ordering', 'waiting', 'executed', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "integration_events" DROP CONSTRAINT "integration_events_provider_ck";--> statement-breakpoint
ALTER TABLE "integrations" DROP CONSTRAINT "integrations_provider_ck";--> statement-breakpoint
ALTER TABLE "reward_policies" ADD COLUMN "auto_fulfil" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "reward_policies" ADD COLUMN "code_source" text DEFAULT 'generated' NOT NULL;--> statement-breakpoint
ALTER TABLE "reward_policies" ADD COLUMN "code_prefix" text;--> statement-breakpoint
ALTER TABLE "rewards" ADD COLUMN "discount_code" text;--> statement-breakpoint
ALTER TABLE "credit_entries" ADD CONSTRAINT "credit_entries_workspace_id_participant_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","participant_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_entries" ADD CONSTRAINT "credit_entries_workspace_id_reward_id_rewards_workspace_id_id_fk" FOREIGN KEY ("workspace_id","reward_id") REFERENCES "public"."rewards"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "discount_codes" ADD CONSTRAINT "discount_codes_workspace_id_reward_id_rewards_workspace_id_id_fk" FOREIGN KEY ("workspace_id","reward_id") REFERENCES "public"."rewards"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fulfilment_orders" ADD CONSTRAINT "fulfilment_orders_workspace_id_reward_id_rewards_workspace_id_id_fk" FOREIGN KEY ("workspace_id","reward_id") REFERENCES "public"."rewards"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "credit_entries_reward_once_uq" ON "credit_entries" USING btree ("workspace_id","reward_id","kind") WHERE "credit_entries"."reward_id" is not null;--> statement-breakpoint
CREATE INDEX "credit_entries_participant_idx" ON "credit_entries" USING btree ("workspace_id","participant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "discount_codes_reward_uq" ON "discount_codes" USING btree ("workspace_id","reward_id") WHERE "discount_codes"."reward_id" is not null;--> statement-breakpoint
CREATE INDEX "discount_codes_available_idx" ON "discount_codes" USING btree ("workspace_id","created_at") WHERE "discount_codes"."status" = 'available';--> statement-breakpoint
CREATE INDEX "fulfilment_orders_due_idx" ON "fulfilment_orders" USING btree ("status","next_attempt_at");--> statement-breakpoint
ALTER TABLE "integration_events" ADD CONSTRAINT "integration_events_provider_ck" CHECK ("integration_events"."provider" in ('stripe', 'hubspot', 'tremendous'));--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_provider_ck" CHECK ("integrations"."provider" in ('stripe', 'hubspot', 'tremendous'));--> statement-breakpoint
ALTER TABLE "reward_policies" ADD CONSTRAINT "reward_policies_code_source_ck" CHECK ("reward_policies"."code_source" in ('generated', 'pool'));--> statement-breakpoint

-- The credit ledger is append-only, and each entry moves its participant's balance in the same
-- statement: issued adds, redeemed and reversed take away. The balance's check (>= 0) refuses an
-- entry that would overdraw it; of two concurrent redemptions the second waits for the first's
-- row lock, sees the lowered balance and fails, so the balance never goes negative.
CREATE FUNCTION credit_entries_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'credit_entries is append-only (% refused)', TG_OP USING ERRCODE = 'RL001';
  END IF;
  IF NEW.kind = 'issued' THEN
    INSERT INTO credit_balances (workspace_id, participant_id, currency, balance)
    VALUES (NEW.workspace_id, NEW.participant_id, NEW.currency, NEW.amount)
    ON CONFLICT (workspace_id, participant_id, currency)
      DO UPDATE SET balance = credit_balances.balance + EXCLUDED.balance;
  ELSE
    UPDATE credit_balances SET balance = balance - NEW.amount
    WHERE workspace_id = NEW.workspace_id AND participant_id = NEW.participant_id AND currency = NEW.currency;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no % credit balance to take % from', NEW.currency, NEW.amount
        USING ERRCODE = '23514', CONSTRAINT = 'credit_balances_not_negative_ck';
    END IF;
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER credit_entries_apply BEFORE INSERT OR UPDATE OR DELETE ON credit_entries
  FOR EACH ROW EXECUTE FUNCTION credit_entries_apply();
--> statement-breakpoint
CREATE TRIGGER credit_entries_no_truncate BEFORE TRUNCATE ON credit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION credit_entries_apply();
--> statement-breakpoint

-- Balances move only with a ledger entry: a direct write that is not the trigger's is refused.
CREATE FUNCTION credit_balances_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'credit_balances change only through credit_entries (% refused)', TG_OP USING ERRCODE = 'RL001';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER credit_balances_guard BEFORE INSERT OR UPDATE OR DELETE ON credit_balances
  FOR EACH ROW EXECUTE FUNCTION credit_balances_guard();
