ALTER TYPE "public"."message_kind" ADD VALUE 'invitation';--> statement-breakpoint
CREATE TABLE "invitations" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"job_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"channel" "thank_channel" NOT NULL,
	"send_after" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "invitations_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"external_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"completed_at" timestamp with time zone NOT NULL,
	"satisfaction_score" smallint,
	"scored_at" timestamp with time zone,
	"invite_decision" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "jobs_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "jobs_score_ck" CHECK ("jobs"."satisfaction_score" is null or "jobs"."satisfaction_score" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "referrer_ratings" (
	"workspace_id" text NOT NULL,
	"message_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"reward_id" text,
	"score" smallint NOT NULL,
	"via" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "referrer_ratings_workspace_id_message_id_pk" PRIMARY KEY("workspace_id","message_id"),
	CONSTRAINT "referrer_ratings_score_ck" CHECK ("referrer_ratings"."score" between 1 and 5)
);
--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "leaderboard_opt_in" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "participants" ADD COLUMN "page_token" text DEFAULT replace(gen_random_uuid()::text, '-', '') NOT NULL;--> statement-breakpoint
ALTER TABLE "program_rules" ADD COLUMN "invite_min_score" smallint DEFAULT 4 NOT NULL;--> statement-breakpoint
ALTER TABLE "program_rules" ADD COLUMN "invite_channel" "thank_channel" DEFAULT 'sms' NOT NULL;--> statement-breakpoint
ALTER TABLE "program_rules" ADD COLUMN "invite_cooldown_days" integer DEFAULT 90 NOT NULL;--> statement-breakpoint
ALTER TABLE "program_rules" ADD COLUMN "invite_delay_hours" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "voided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "voided_by" text;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "voided_by_name" text;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "void_reason" text;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "send_window_start" smallint;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "send_window_end" smallint;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "public_leaderboard" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_workspace_id_job_id_jobs_workspace_id_id_fk" FOREIGN KEY ("workspace_id","job_id") REFERENCES "public"."jobs"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_workspace_id_participant_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","participant_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_workspace_id_customer_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","customer_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "referrer_ratings" ADD CONSTRAINT "referrer_ratings_workspace_id_message_id_messages_workspace_id_id_fk" FOREIGN KEY ("workspace_id","message_id") REFERENCES "public"."messages"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_job_uq" ON "invitations" USING btree ("workspace_id","job_id");--> statement-breakpoint
CREATE INDEX "invitations_participant_idx" ON "invitations" USING btree ("workspace_id","participant_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_external_uq" ON "jobs" USING btree ("workspace_id","external_id");--> statement-breakpoint
CREATE INDEX "referrer_ratings_created_idx" ON "referrer_ratings" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "participants_page_token_uq" ON "participants" USING btree ("workspace_id","page_token");--> statement-breakpoint
CREATE INDEX "participants_page_token_idx" ON "participants" USING btree ("page_token");--> statement-breakpoint
ALTER TABLE "program_rules" ADD CONSTRAINT "program_rules_invite_ck" CHECK ("program_rules"."invite_min_score" between 1 and 5 and "program_rules"."invite_cooldown_days" between 0 and 3650 and "program_rules"."invite_delay_hours" between 0 and 720);--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_void_ck" CHECK (("referrals"."voided_at" is null) = ("referrals"."void_reason" is null) and ("referrals"."voided_at" is null) = ("referrals"."voided_by" is null));--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_send_window_ck" CHECK (("workspaces"."send_window_start" is null) = ("workspaces"."send_window_end" is null)
    and ("workspaces"."send_window_start" is null or ("workspaces"."send_window_start" between 0 and 1439 and "workspaces"."send_window_end" between 1 and 1440 and "workspaces"."send_window_start" <> "workspaces"."send_window_end")));--> statement-breakpoint

-- A voided referral (DELETE /v1/referrals/{id}) is history: it is never deleted, never un-voided,
-- and no claim may be made or moved onto it, whatever code writes the rewards.
CREATE FUNCTION referrals_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'referrals are voided, never deleted' USING ERRCODE = 'RL001';
  END IF;
  IF OLD.voided_at IS NOT NULL THEN
    RAISE EXCEPTION 'referral % was voided: it is fixed', OLD.id USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER referrals_guard BEFORE UPDATE OR DELETE ON referrals
  FOR EACH ROW EXECUTE FUNCTION referrals_guard();
--> statement-breakpoint
CREATE FUNCTION rewards_referral_live() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM referrals f WHERE f.workspace_id = NEW.workspace_id AND f.id = NEW.referral_id
             AND f.voided_at IS NOT NULL) THEN
    RAISE EXCEPTION 'referral % was voided: no claim may use it', NEW.referral_id USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER rewards_referral_live BEFORE INSERT OR UPDATE OF referral_id ON rewards
  FOR EACH ROW EXECUTE FUNCTION rewards_referral_live();
