-- No release wrote reconciliation_runs (its workflow lands with this migration): its columns are replaced.
DELETE FROM "reconciliation_runs";--> statement-breakpoint
CREATE TYPE "public"."reconciliation_family" AS ENUM('meetings', 'phone');--> statement-breakpoint
CREATE TYPE "public"."reconciliation_outcome" AS ENUM('unchecked', 'archived', 'missing', 'not_recorded', 'not_ours', 'not_expected');--> statement-breakpoint
ALTER TYPE "public"."reconciliation_status" ADD VALUE 'cancelled';--> statement-breakpoint
CREATE TABLE "reconciliation_items" (
	"tenant_id" text NOT NULL,
	"family" "reconciliation_family" NOT NULL,
	"platform_call_id" text NOT NULL,
	"day" date NOT NULL,
	"facts" jsonb NOT NULL,
	"outcome" "reconciliation_outcome" DEFAULT 'unchecked' NOT NULL,
	"reason" text,
	"failed_cdrs" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reconciliation_items_pk" PRIMARY KEY("tenant_id","family","platform_call_id")
);
--> statement-breakpoint
DROP INDEX "reconciliation_runs_tenant_started";--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ALTER COLUMN "cursor" SET DEFAULT '{"listingsDone":0}'::jsonb;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ALTER COLUMN "cursor" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "family" "reconciliation_family" NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "day" date NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "phase" text DEFAULT 'walk' NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "plan" text;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "plan_estimate" jsonb;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "pages_walked" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "heavy_calls" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "paused_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "runs" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_items" ADD CONSTRAINT "reconciliation_items_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reconciliation_items_day" ON "reconciliation_items" USING btree ("tenant_id","family","day","outcome");--> statement-breakpoint
CREATE INDEX "reconciliation_runs_tenant_day" ON "reconciliation_runs" USING btree ("tenant_id","day");--> statement-breakpoint
ALTER TABLE "reconciliation_runs" DROP COLUMN "source";--> statement-breakpoint
ALTER TABLE "reconciliation_runs" DROP COLUMN "from_day";--> statement-breakpoint
ALTER TABLE "reconciliation_runs" DROP COLUMN "to_day";--> statement-breakpoint
ALTER TABLE "reconciliation_runs" DROP COLUMN "conversations_checked";--> statement-breakpoint
ALTER TABLE "reconciliation_runs" DROP COLUMN "missing_found";--> statement-breakpoint
ALTER TABLE "reconciliation_runs" DROP COLUMN "failed_cdrs_written";--> statement-breakpoint
ALTER TABLE "reconciliation_runs" DROP COLUMN "api_calls";--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD CONSTRAINT "reconciliation_runs_one_per_day" UNIQUE("tenant_id","family","day");