CREATE TYPE "public"."actor_type" AS ENUM('user', 'api_key', 'system');--> statement-breakpoint
CREATE TYPE "public"."conversion_type" AS ENUM('deal_won', 'job_invoiced', 'invoice_paid', 'refund', 'chargeback');--> statement-breakpoint
CREATE TYPE "public"."dispute_status" AS ENUM('open', 'resolved');--> statement-breakpoint
CREATE TYPE "public"."flag_type" AS ENUM('self_referral', 'duplicate_claim', 'disputed_attribution', 'partner_exception', 'velocity', 'disposable_email', 'refunded');--> statement-breakpoint
CREATE TYPE "public"."message_channel" AS ENUM('email', 'sms');--> statement-breakpoint
CREATE TYPE "public"."message_kind" AS ENUM('thank_you', 'reward_ready', 'reward_issued');--> statement-breakpoint
CREATE TYPE "public"."message_status" AS ENUM('queued', 'sending', 'sent', 'delivered', 'failed', 'skipped', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."participant_kind" AS ENUM('customer', 'partner', 'employee');--> statement-breakpoint
CREATE TYPE "public"."recommendation" AS ENUM('eligible', 'needs_review', 'ineligible');--> statement-breakpoint
CREATE TYPE "public"."recovery_kind" AS ENUM('clawback', 'recovery', 'review');--> statement-breakpoint
CREATE TYPE "public"."referral_source" AS ENUM('link', 'code', 'manual', 'import');--> statement-breakpoint
CREATE TYPE "public"."reward_status" AS ENUM('in_review', 'pending', 'sent', 'thanked', 'declined', 'failed', 'rejected', 'reversed');--> statement-breakpoint
CREATE TYPE "public"."reward_type" AS ENUM('gift_card', 'commission_share', 'account_credit', 'discount_code', 'custom', 'none');--> statement-breakpoint
CREATE TYPE "public"."role" AS ENUM('owner', 'finance', 'staff', 'viewer');--> statement-breakpoint
CREATE TYPE "public"."signal_kind" AS ENUM('ip', 'device', 'payment_fingerprint');--> statement-breakpoint
CREATE TYPE "public"."skip_reason" AS ENUM('no_consent', 'do_not_contact', 'no_address', 'daily_cap');--> statement-breakpoint
CREATE TYPE "public"."task_status" AS ENUM('open', 'done', 'waived');--> statement-breakpoint
CREATE TYPE "public"."thank_channel" AS ENUM('email', 'sms', 'email_and_sms');--> statement-breakpoint
CREATE TABLE "api_keys" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"role" "role" NOT NULL,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"actor_type" "actor_type" NOT NULL,
	"actor_id" text NOT NULL,
	"actor_name" text NOT NULL,
	"actor_role" text NOT NULL,
	"action" text NOT NULL,
	"object_type" text NOT NULL,
	"object_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_events_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "conversions" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"source" text NOT NULL,
	"external_id" text NOT NULL,
	"type" "conversion_type" NOT NULL,
	"referred_id" text,
	"referred_external_id" text,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"original_external_id" text,
	"reverses_conversion_id" text,
	"payment_fingerprint" text,
	"request_hash" text NOT NULL,
	"outcome" text NOT NULL,
	"result" jsonb,
	"created_by" text NOT NULL,
	CONSTRAINT "conversions_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "conversions_amount_ck" CHECK ("conversions"."amount" >= 0 and "conversions"."amount" <= 1000000000000)
);
--> statement-breakpoint
CREATE TABLE "disputes" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"referred_id" text NOT NULL,
	"reward_id" text,
	"status" "dispute_status" NOT NULL,
	"opened_by" text NOT NULL,
	"opened_by_name" text NOT NULL,
	"reason" text NOT NULL,
	"winning_referral_id" text,
	"resolution" text,
	"resolved_by" text,
	"resolved_by_name" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "disputes_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "disputes_resolution_ck" CHECK ("disputes"."status" = 'open' or ("disputes"."winning_referral_id" is not null and "disputes"."resolution" is not null and "disputes"."resolved_at" is not null))
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"workspace_id" text NOT NULL,
	"key" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"request_hash" text NOT NULL,
	"state" text NOT NULL,
	"status_code" integer,
	"response_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "idempotency_keys_workspace_id_key_pk" PRIMARY KEY("workspace_id","key")
);
--> statement-breakpoint
CREATE TABLE "link_clicks" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"referrer_id" text NOT NULL,
	"ip" text,
	"device_id" text,
	"user_agent" text,
	"referred_id" text,
	"landed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "link_clicks_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "message_attempts" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"message_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"provider" text NOT NULL,
	"outcome" text NOT NULL,
	"provider_message_id" text,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	CONSTRAINT "message_attempts_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "message_templates" (
	"workspace_id" text NOT NULL,
	"kind" "message_kind" NOT NULL,
	"channel" "message_channel" NOT NULL,
	"subject" text,
	"body_text" text NOT NULL,
	"body_html" text,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_templates_workspace_id_kind_channel_pk" PRIMARY KEY("workspace_id","kind","channel")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"reward_id" text,
	"participant_id" text,
	"kind" "message_kind" NOT NULL,
	"channel" "message_channel" NOT NULL,
	"status" "message_status" NOT NULL,
	"skip_reason" "skip_reason",
	"to_address" text,
	"subject" text,
	"body_text" text NOT NULL,
	"body_html" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"provider" text,
	"provider_message_id" text,
	"last_error" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	CONSTRAINT "messages_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "messages_skip_ck" CHECK (("messages"."status" = 'skipped') = ("messages"."skip_reason" is not null))
);
--> statement-breakpoint
CREATE TABLE "participant_signals" (
	"workspace_id" text NOT NULL,
	"participant_id" text NOT NULL,
	"kind" "signal_kind" NOT NULL,
	"value" text NOT NULL,
	"source" text NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "participant_signals_workspace_id_participant_id_kind_value_pk" PRIMARY KEY("workspace_id","participant_id","kind","value")
);
--> statement-breakpoint
CREATE TABLE "participants" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"email_normalized" text,
	"phone" text,
	"kind" "participant_kind" NOT NULL,
	"external_id" text,
	"email_marketing_consent" boolean DEFAULT false NOT NULL,
	"sms_marketing_consent" boolean DEFAULT false NOT NULL,
	"do_not_contact" boolean DEFAULT false NOT NULL,
	"address" text,
	"referral_code" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "participants_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "partner_exceptions" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"participant_id" text NOT NULL,
	"commission_rate_bps" integer,
	"amount" bigint,
	"excluded_checks" text[] DEFAULT '{}'::text[] NOT NULL,
	"owner" text NOT NULL,
	"reason" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "partner_exceptions_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "partner_exceptions_rate_ck" CHECK ("partner_exceptions"."commission_rate_bps" is null or "partner_exceptions"."commission_rate_bps" between 0 and 10000)
);
--> statement-breakpoint
CREATE TABLE "program_rules" (
	"workspace_id" text NOT NULL,
	"program_id" text NOT NULL,
	"version" integer NOT NULL,
	"qualifying_types" "conversion_type"[] NOT NULL,
	"currency" text DEFAULT 'USD' NOT NULL,
	"min_amount" bigint DEFAULT 0 NOT NULL,
	"hold_days" integer DEFAULT 0 NOT NULL,
	"allowed_referrer_kinds" "participant_kind"[] NOT NULL,
	"cap_per_month" integer,
	"cap_lifetime" integer,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"terms_text" text NOT NULL,
	"terms_version" text NOT NULL,
	"auto_approve_enabled" boolean DEFAULT false NOT NULL,
	"auto_approve_max_amount" bigint,
	"auto_approve_enabled_by" text,
	"two_approvers_above" bigint,
	"velocity_window_hours" integer DEFAULT 24 NOT NULL,
	"velocity_max_referrals" integer DEFAULT 10 NOT NULL,
	"velocity_max_conversions" integer DEFAULT 5 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "program_rules_workspace_id_program_id_version_pk" PRIMARY KEY("workspace_id","program_id","version"),
	CONSTRAINT "program_rules_hold_ck" CHECK ("program_rules"."hold_days" between 0 and 365),
	CONSTRAINT "program_rules_auto_approve_ck" CHECK (not "program_rules"."auto_approve_enabled" or ("program_rules"."auto_approve_max_amount" is not null and "program_rules"."auto_approve_enabled_by" is not null))
);
--> statement-breakpoint
CREATE TABLE "programs" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "programs_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "recovery_tasks" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"reward_id" text NOT NULL,
	"conversion_id" text NOT NULL,
	"kind" "recovery_kind" NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"status" "task_status" DEFAULT 'open' NOT NULL,
	"resolution" text,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recovery_tasks_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "referrals" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"referrer_id" text NOT NULL,
	"referred_id" text NOT NULL,
	"source" "referral_source" NOT NULL,
	"evidence" jsonb NOT NULL,
	"referred_at" timestamp with time zone NOT NULL,
	"created_by" text NOT NULL,
	"created_by_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "referrals_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "referrals_not_self_ck" CHECK ("referrals"."referrer_id" <> "referrals"."referred_id")
);
--> statement-breakpoint
CREATE TABLE "reward_approvals" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"reward_id" text NOT NULL,
	"approver_id" text NOT NULL,
	"approver_name" text NOT NULL,
	"approver_role" text NOT NULL,
	"kind" text NOT NULL,
	"rules_version" integer NOT NULL,
	"round" integer NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reward_approvals_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "reward_flags" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"reward_id" text NOT NULL,
	"type" "flag_type" NOT NULL,
	"reason" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"resolved_by_name" text,
	"resolution" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reward_flags_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "reward_flags_resolution_ck" CHECK (("reward_flags"."resolved_at" is null) = ("reward_flags"."resolution" is null) and ("reward_flags"."resolved_at" is null) = ("reward_flags"."resolved_by" is null))
);
--> statement-breakpoint
CREATE TABLE "reward_policies" (
	"workspace_id" text NOT NULL,
	"program_id" text NOT NULL,
	"version" integer NOT NULL,
	"reward_type" "reward_type" NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"commission_rate_bps" integer,
	"discount_percent" integer,
	"description" text,
	"provider" text,
	"auto_thank" boolean NOT NULL,
	"thank_channel" "thank_channel" NOT NULL,
	"tiers" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reward_policies_workspace_id_program_id_version_pk" PRIMARY KEY("workspace_id","program_id","version"),
	CONSTRAINT "reward_policies_amount_ck" CHECK ("reward_policies"."amount" >= 0 and "reward_policies"."amount" <= 1000000000000),
	CONSTRAINT "reward_policies_rate_ck" CHECK ("reward_policies"."commission_rate_bps" is null or "reward_policies"."commission_rate_bps" between 0 and 10000),
	CONSTRAINT "reward_policies_commission_ck" CHECK ("reward_policies"."reward_type" <> 'commission_share' or "reward_policies"."commission_rate_bps" is not null)
);
--> statement-breakpoint
CREATE TABLE "rewards" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"program_id" text NOT NULL,
	"policy_version" integer NOT NULL,
	"rules_version" integer NOT NULL,
	"terms_version" text NOT NULL,
	"referral_id" text NOT NULL,
	"referrer_id" text NOT NULL,
	"referred_id" text NOT NULL,
	"conversion_id" text NOT NULL,
	"ordinal" integer NOT NULL,
	"reward_type" "reward_type" NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"summary" text NOT NULL,
	"calculation" text NOT NULL,
	"status" "reward_status" NOT NULL,
	"recommendation" "recommendation" NOT NULL,
	"fraud_score" integer DEFAULT 0 NOT NULL,
	"checks" jsonb NOT NULL,
	"attribution" jsonb NOT NULL,
	"notes" text,
	"created_by" text NOT NULL,
	"created_by_name" text NOT NULL,
	"amount_changed_by" text,
	"payee_changed_by" text,
	"hold_until" timestamp with time zone NOT NULL,
	"review_round" integer DEFAULT 1 NOT NULL,
	"approved_at" timestamp with time zone,
	"approval_record" jsonb,
	"sent_at" timestamp with time zone,
	"sent_by" text,
	"sent_by_name" text,
	"sent_reference" text,
	"thanked_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"closed_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rewards_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "rewards_amount_ck" CHECK ("rewards"."amount" >= 0 and "rewards"."amount" <= 1000000000000),
	CONSTRAINT "rewards_fraud_score_ck" CHECK ("rewards"."fraud_score" between 0 and 100),
	CONSTRAINT "rewards_sent_has_evidence_ck" CHECK ("rewards"."sent_at" is null or ("rewards"."approved_at" is not null and "rewards"."approval_record" is not null
        and length("rewards"."calculation") > 0 and jsonb_array_length("rewards"."checks") > 0
        and length("rewards"."terms_version") > 0 and "rewards"."attribution" ? 'referralId')),
	CONSTRAINT "rewards_status_dates_ck" CHECK (("rewards"."status" not in ('sent', 'thanked') or "rewards"."sent_at" is not null)
        and ("rewards"."status" <> 'thanked' or "rewards"."thanked_at" is not null)
        and ("rewards"."status" <> 'pending' or "rewards"."approved_at" is not null))
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"user_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sessions_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"workspace_id" text NOT NULL,
	"id" text NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" "role" NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "users_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"sender_name" text,
	"company_name" text,
	"default_country" text DEFAULT 'US' NOT NULL,
	"notify_emails" text[] DEFAULT '{}'::text[] NOT NULL,
	"sms_daily_cap" integer DEFAULT 3 NOT NULL,
	"notify_reward_issued" boolean DEFAULT false NOT NULL,
	"signing_secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspaces_name_unique" UNIQUE("name"),
	CONSTRAINT "workspaces_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversions" ADD CONSTRAINT "conversions_workspace_id_referred_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","referred_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_workspace_id_referred_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","referred_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_clicks" ADD CONSTRAINT "link_clicks_workspace_id_referrer_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","referrer_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_attempts" ADD CONSTRAINT "message_attempts_workspace_id_message_id_messages_workspace_id_id_fk" FOREIGN KEY ("workspace_id","message_id") REFERENCES "public"."messages"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_templates" ADD CONSTRAINT "message_templates_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participant_signals" ADD CONSTRAINT "participant_signals_workspace_id_participant_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","participant_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "participants" ADD CONSTRAINT "participants_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_exceptions" ADD CONSTRAINT "partner_exceptions_workspace_id_participant_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","participant_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "program_rules" ADD CONSTRAINT "program_rules_workspace_id_program_id_programs_workspace_id_id_fk" FOREIGN KEY ("workspace_id","program_id") REFERENCES "public"."programs"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programs" ADD CONSTRAINT "programs_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recovery_tasks" ADD CONSTRAINT "recovery_tasks_workspace_id_reward_id_rewards_workspace_id_id_fk" FOREIGN KEY ("workspace_id","reward_id") REFERENCES "public"."rewards"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_workspace_id_referrer_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","referrer_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_workspace_id_referred_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","referred_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reward_approvals" ADD CONSTRAINT "reward_approvals_workspace_id_reward_id_rewards_workspace_id_id_fk" FOREIGN KEY ("workspace_id","reward_id") REFERENCES "public"."rewards"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reward_flags" ADD CONSTRAINT "reward_flags_workspace_id_reward_id_rewards_workspace_id_id_fk" FOREIGN KEY ("workspace_id","reward_id") REFERENCES "public"."rewards"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reward_policies" ADD CONSTRAINT "reward_policies_workspace_id_program_id_programs_workspace_id_id_fk" FOREIGN KEY ("workspace_id","program_id") REFERENCES "public"."programs"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rewards" ADD CONSTRAINT "rewards_workspace_id_referral_id_referrals_workspace_id_id_fk" FOREIGN KEY ("workspace_id","referral_id") REFERENCES "public"."referrals"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rewards" ADD CONSTRAINT "rewards_workspace_id_conversion_id_conversions_workspace_id_id_fk" FOREIGN KEY ("workspace_id","conversion_id") REFERENCES "public"."conversions"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rewards" ADD CONSTRAINT "rewards_workspace_id_referrer_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","referrer_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rewards" ADD CONSTRAINT "rewards_workspace_id_referred_id_participants_workspace_id_id_fk" FOREIGN KEY ("workspace_id","referred_id") REFERENCES "public"."participants"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rewards" ADD CONSTRAINT "rewards_workspace_id_program_id_policy_version_reward_policies_workspace_id_program_id_version_fk" FOREIGN KEY ("workspace_id","program_id","policy_version") REFERENCES "public"."reward_policies"("workspace_id","program_id","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rewards" ADD CONSTRAINT "rewards_workspace_id_program_id_rules_version_program_rules_workspace_id_program_id_version_fk" FOREIGN KEY ("workspace_id","program_id","rules_version") REFERENCES "public"."program_rules"("workspace_id","program_id","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_workspace_id_user_id_users_workspace_id_id_fk" FOREIGN KEY ("workspace_id","user_id") REFERENCES "public"."users"("workspace_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_uq" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "audit_events_object_idx" ON "audit_events" USING btree ("workspace_id","object_type","object_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_events_created_idx" ON "audit_events" USING btree ("workspace_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "conversions_external_uq" ON "conversions" USING btree ("workspace_id","source","external_id");--> statement-breakpoint
CREATE INDEX "conversions_referred_idx" ON "conversions" USING btree ("workspace_id","referred_id","occurred_at");--> statement-breakpoint
CREATE INDEX "conversions_original_idx" ON "conversions" USING btree ("workspace_id","source","original_external_id") WHERE "conversions"."original_external_id" is not null;--> statement-breakpoint
CREATE INDEX "conversions_waiting_idx" ON "conversions" USING btree ("workspace_id","referred_external_id") WHERE "conversions"."referred_id" is null;--> statement-breakpoint
CREATE INDEX "conversions_received_idx" ON "conversions" USING btree ("workspace_id","received_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "disputes_open_uq" ON "disputes" USING btree ("workspace_id","referred_id") WHERE "disputes"."status" = 'open';--> statement-breakpoint
CREATE INDEX "disputes_created_idx" ON "disputes" USING btree ("workspace_id","created_at");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "link_clicks_referrer_idx" ON "link_clicks" USING btree ("workspace_id","referrer_id","landed_at");--> statement-breakpoint
CREATE INDEX "link_clicks_ip_idx" ON "link_clicks" USING btree ("workspace_id","ip","landed_at");--> statement-breakpoint
CREATE INDEX "message_attempts_message_idx" ON "message_attempts" USING btree ("workspace_id","message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_once_per_reward_uq" ON "messages" USING btree ("workspace_id","reward_id","kind","channel") WHERE "messages"."reward_id" is not null and "messages"."status" not in ('failed', 'skipped', 'cancelled');--> statement-breakpoint
CREATE INDEX "messages_due_idx" ON "messages" USING btree ("next_attempt_at") WHERE "messages"."status" in ('queued', 'sending');--> statement-breakpoint
CREATE INDEX "messages_reward_idx" ON "messages" USING btree ("workspace_id","reward_id");--> statement-breakpoint
CREATE INDEX "messages_participant_idx" ON "messages" USING btree ("workspace_id","participant_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_provider_id_idx" ON "messages" USING btree ("provider_message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "participants_referral_code_uq" ON "participants" USING btree ("workspace_id","referral_code");--> statement-breakpoint
CREATE UNIQUE INDEX "participants_external_id_uq" ON "participants" USING btree ("workspace_id","external_id") WHERE "participants"."external_id" is not null;--> statement-breakpoint
CREATE INDEX "participants_email_idx" ON "participants" USING btree ("workspace_id","email_normalized");--> statement-breakpoint
CREATE INDEX "partner_exceptions_participant_idx" ON "partner_exceptions" USING btree ("workspace_id","participant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "programs_one_default_uq" ON "programs" USING btree ("workspace_id") WHERE "programs"."is_default";--> statement-breakpoint
CREATE UNIQUE INDEX "recovery_tasks_once_uq" ON "recovery_tasks" USING btree ("workspace_id","reward_id","conversion_id");--> statement-breakpoint
CREATE UNIQUE INDEX "referrals_pair_uq" ON "referrals" USING btree ("workspace_id","referrer_id","referred_id");--> statement-breakpoint
CREATE INDEX "referrals_referred_idx" ON "referrals" USING btree ("workspace_id","referred_id");--> statement-breakpoint
CREATE INDEX "referrals_referrer_idx" ON "referrals" USING btree ("workspace_id","referrer_id","referred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "reward_approvals_once_uq" ON "reward_approvals" USING btree ("workspace_id","reward_id","round","approver_id");--> statement-breakpoint
CREATE UNIQUE INDEX "reward_flags_open_uq" ON "reward_flags" USING btree ("workspace_id","reward_id","type") WHERE "reward_flags"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "reward_flags_reward_idx" ON "reward_flags" USING btree ("workspace_id","reward_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rewards_one_per_referred_uq" ON "rewards" USING btree ("workspace_id","program_id","referred_id") WHERE "rewards"."status" <> 'reversed';--> statement-breakpoint
CREATE UNIQUE INDEX "rewards_one_per_conversion_uq" ON "rewards" USING btree ("workspace_id","program_id","conversion_id") WHERE "rewards"."status" <> 'reversed';--> statement-breakpoint
CREATE INDEX "rewards_status_idx" ON "rewards" USING btree ("workspace_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "rewards_created_idx" ON "rewards" USING btree ("workspace_id","created_at","id");--> statement-breakpoint
CREATE INDEX "rewards_referrer_idx" ON "rewards" USING btree ("workspace_id","referrer_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_token_hash_uq" ON "sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_uq" ON "users" USING btree ("workspace_id",lower("email"));