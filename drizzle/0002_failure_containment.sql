ALTER TYPE "public"."sync_status" ADD VALUE 'finished_with_errors' BEFORE 'failed';--> statement-breakpoint
CREATE TABLE "user_listing_states" (
	"tenant_id" text NOT NULL,
	"source" "sync_source" NOT NULL,
	"zoom_user_id" text NOT NULL,
	"listed_until" timestamp with time zone,
	"last_listed_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_listing_states_pk" PRIMARY KEY("tenant_id","source","zoom_user_id")
);
--> statement-breakpoint
CREATE TABLE "listed_meetings" (
	"tenant_id" text NOT NULL,
	"source" "sync_source" NOT NULL,
	"uuid" text NOT NULL,
	"meeting_number" text NOT NULL,
	"topic" text NOT NULL,
	"host_id" text NOT NULL,
	"start_time" timestamp with time zone NOT NULL,
	"duration_minutes" integer NOT NULL,
	"last_listed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "listed_meetings_pk" PRIMARY KEY("tenant_id","source","uuid")
);
--> statement-breakpoint
ALTER TABLE "media_files" ADD COLUMN "skip_reason" text;--> statement-breakpoint
ALTER TABLE "media_files" ADD COLUMN "trashed_in_zoom_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "user_listing_states" ADD CONSTRAINT "user_listing_states_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "listed_meetings" ADD CONSTRAINT "listed_meetings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "listed_meetings_tenant_source_start" ON "listed_meetings" USING btree ("tenant_id","source","start_time");