CREATE TABLE "integration_events" (
	"workspace_id" text NOT NULL,
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"detail" text DEFAULT '' NOT NULL,
	"conversion_id" text,
	"participant_id" text,
	"invoice_id" text,
	"charge_id" text,
	"payment_intent_id" text,
	"amount_refunded" bigint,
	"attempts" integer DEFAULT 1 NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "integration_events_workspace_id_provider_event_id_pk" PRIMARY KEY("workspace_id","provider","event_id"),
	CONSTRAINT "integration_events_provider_ck" CHECK ("integration_events"."provider" in ('stripe', 'hubspot')),
	CONSTRAINT "integration_events_status_ck" CHECK ("integration_events"."status" in ('processing', 'applied', 'ignored', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"workspace_id" text NOT NULL,
	"provider" text NOT NULL,
	"secret_ciphertext" text NOT NULL,
	"secret_hint" text NOT NULL,
	"previous_secret_ciphertext" text,
	"previous_valid_until" timestamp with time zone,
	"access_token_ciphertext" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "integrations_workspace_id_provider_pk" PRIMARY KEY("workspace_id","provider"),
	CONSTRAINT "integrations_provider_ck" CHECK ("integrations"."provider" in ('stripe', 'hubspot'))
);
--> statement-breakpoint
ALTER TABLE "integration_events" ADD CONSTRAINT "integration_events_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "integration_events_received_idx" ON "integration_events" USING btree ("workspace_id","received_at");--> statement-breakpoint
CREATE INDEX "integration_events_charge_idx" ON "integration_events" USING btree ("workspace_id","provider","charge_id");--> statement-breakpoint
CREATE INDEX "integration_events_payment_intent_idx" ON "integration_events" USING btree ("workspace_id","provider","payment_intent_id");