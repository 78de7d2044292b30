ALTER TABLE "api_keys" ADD COLUMN "person_id" text;--> statement-breakpoint
-- Keys that exist: a key minted by a signed-in user acts for that user; one made by the system or
-- the CLI stands for itself; a key minted by a key acts for that key's person (followed a few
-- levels, deeper than any real chain).
UPDATE "api_keys" SET "person_id" = CASE WHEN "created_by" LIKE 'usr\_%' THEN "created_by" ELSE "id" END;--> statement-breakpoint
UPDATE "api_keys" k SET "person_id" = p."person_id" FROM "api_keys" p
  WHERE k."workspace_id" = p."workspace_id" AND k."created_by" = p."id";--> statement-breakpoint
UPDATE "api_keys" k SET "person_id" = p."person_id" FROM "api_keys" p
  WHERE k."workspace_id" = p."workspace_id" AND k."created_by" = p."id";--> statement-breakpoint
UPDATE "api_keys" k SET "person_id" = p."person_id" FROM "api_keys" p
  WHERE k."workspace_id" = p."workspace_id" AND k."created_by" = p."id";--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "person_id" SET NOT NULL;
