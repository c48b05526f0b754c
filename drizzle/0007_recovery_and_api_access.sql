CREATE TYPE "public"."api_role" AS ENUM('viewer', 'operator');--> statement-breakpoint
ALTER TYPE "public"."recovery_kind" ADD VALUE 'files';--> statement-breakpoint
ALTER TYPE "public"."recovery_status" ADD VALUE 'cancelled';--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" "api_role" NOT NULL,
	"tenants" text[],
	"secret_sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"key_id" text NOT NULL,
	"key_name" text NOT NULL,
	"method" text NOT NULL,
	"route" text NOT NULL,
	"tenant_id" text,
	"status_code" integer NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
ALTER TABLE "recovery_items" DROP CONSTRAINT "recovery_items_request_meeting";--> statement-breakpoint
ALTER TABLE "recovery_items" ALTER COLUMN "state" SET DATA TYPE text;--> statement-breakpoint
ALTER TABLE "recovery_items" ALTER COLUMN "state" SET DEFAULT 'pending'::text;--> statement-breakpoint
DROP TYPE "public"."recovery_item_state";--> statement-breakpoint
CREATE TYPE "public"."recovery_item_state" AS ENUM('pending', 'expanded', 'already_archived', 'not_found', 'not_ours', 'started', 'archived', 'failed', 'cancelled');--> statement-breakpoint
ALTER TABLE "recovery_items" ALTER COLUMN "state" SET DEFAULT 'pending'::"public"."recovery_item_state";--> statement-breakpoint
ALTER TABLE "recovery_items" ALTER COLUMN "state" SET DATA TYPE "public"."recovery_item_state" USING "state"::"public"."recovery_item_state";--> statement-breakpoint
DROP INDEX "recovery_items_tenant_request";--> statement-breakpoint
ALTER TABLE "recovery_requests" ALTER COLUMN "source" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "recovery_items" ADD COLUMN "zoom_file_id" text;--> statement-breakpoint
ALTER TABLE "recovery_items" ADD COLUMN "source" "sync_source";--> statement-breakpoint
ALTER TABLE "recovery_items" ADD COLUMN "found_missing" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "recovery_items" ADD COLUMN "workflow_id" text;--> statement-breakpoint
ALTER TABLE "recovery_requests" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "recovery_requests" ADD COLUMN "listed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_log_tenant_at" ON "audit_log" USING btree ("tenant_id","at");--> statement-breakpoint
CREATE INDEX "recovery_items_tenant_request" ON "recovery_items" USING btree ("tenant_id","request_id","state");--> statement-breakpoint
ALTER TABLE "recovery_requests" DROP COLUMN "cursor";--> statement-breakpoint
ALTER TABLE "recovery_requests" DROP COLUMN "items_missing";--> statement-breakpoint
ALTER TABLE "recovery_requests" DROP COLUMN "items_archived";--> statement-breakpoint
ALTER TABLE "recovery_requests" DROP COLUMN "items_failed";--> statement-breakpoint
ALTER TABLE "recovery_items" ADD CONSTRAINT "recovery_items_request_ref" UNIQUE NULLS NOT DISTINCT("request_id","meeting_ref","zoom_file_id");