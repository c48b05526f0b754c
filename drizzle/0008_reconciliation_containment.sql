ALTER TYPE "public"."reconciliation_outcome" ADD VALUE 'skipped';--> statement-breakpoint
ALTER TYPE "public"."reconciliation_status" ADD VALUE 'finished_with_errors' BEFORE 'failed';--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD COLUMN "user_errors" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "reconciliation_items" DROP CONSTRAINT "reconciliation_items_pk";
--> statement-breakpoint
ALTER TABLE "reconciliation_items" ADD CONSTRAINT "reconciliation_items_pk" PRIMARY KEY("tenant_id","family","day","platform_call_id");