CREATE TYPE "public"."modality" AS ENUM('voice', 'video', 'screen');--> statement-breakpoint
CREATE TYPE "public"."zoom_plan" AS ENUM('pro', 'business');--> statement-breakpoint
CREATE TYPE "public"."conversation_type" AS ENUM('voice', 'video', 'screen_share');--> statement-breakpoint
CREATE TYPE "public"."direction" AS ENUM('conference', 'inbound', 'outbound', 'internal');--> statement-breakpoint
CREATE TYPE "public"."source_platform" AS ENUM('Zoom Meeting', 'Zoom Phone');--> statement-breakpoint
CREATE TYPE "public"."user_direction" AS ENUM('incoming', 'outgoing');--> statement-breakpoint
CREATE TYPE "public"."media_file_state" AS ENUM('pending', 'stored', 'failed');--> statement-breakpoint
CREATE TYPE "public"."api_family" AS ENUM('meetings', 'phone');--> statement-breakpoint
CREATE TYPE "public"."authorization_status" AS ENUM('unknown', 'authorized', 'unauthorized');--> statement-breakpoint
CREATE TYPE "public"."rate_category" AS ENUM('light', 'medium', 'heavy', 'resource-intensive');--> statement-breakpoint
CREATE TYPE "public"."sync_source" AS ENUM('archiving', 'cloud_recordings', 'phone');--> statement-breakpoint
CREATE TYPE "public"."sync_status" AS ENUM('running', 'finished', 'failed');--> statement-breakpoint
CREATE TYPE "public"."reconciliation_status" AS ENUM('running', 'waiting_for_quota', 'finished', 'failed');--> statement-breakpoint
CREATE TYPE "public"."recovery_item_state" AS ENUM('pending', 'already_archived', 'started', 'archived', 'not_found', 'failed');--> statement-breakpoint
CREATE TYPE "public"."recovery_kind" AS ENUM('timeframe', 'meetings');--> statement-breakpoint
CREATE TYPE "public"."recovery_status" AS ENUM('queued', 'running', 'finished', 'failed');--> statement-breakpoint
CREATE TABLE "recorded_users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"zoom_user_id" text NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"phone_extension" text,
	"modality" "modality" NOT NULL,
	"individual_audio" boolean DEFAULT false NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recorded_users_tenant_zoom_user" UNIQUE("tenant_id","zoom_user_id")
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"zoom_account_id" text NOT NULL,
	"zoom_client_id" text NOT NULL,
	"zoom_client_secret_sealed" text NOT NULL,
	"webhook_secret_token_sealed" text,
	"plan" "zoom_plan" DEFAULT 'pro' NOT NULL,
	"proxy_url" text,
	"allowed_download_hosts" text[] DEFAULT '{}'::text[] NOT NULL,
	"archiving_enabled" boolean DEFAULT true NOT NULL,
	"cloud_recordings_enabled" boolean DEFAULT false NOT NULL,
	"phone_enabled" boolean DEFAULT false NOT NULL,
	"poll_interval_seconds" integer DEFAULT 300 NOT NULL,
	"internal_number_patterns" text[] DEFAULT '{}'::text[] NOT NULL,
	"options" jsonb DEFAULT '{"deleteAfterArchive":false}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_id_is_slug" CHECK ("tenants"."id" ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
	CONSTRAINT "tenants_poll_interval_positive" CHECK ("tenants"."poll_interval_seconds" > 0)
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"source_platform" "source_platform" NOT NULL,
	"platform_call_id" text NOT NULL,
	"zoom_meeting_id" text,
	"recorded_user_zoom_id" text NOT NULL,
	"recorded_user_name" text NOT NULL,
	"recorded_user_extension" text,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"duration_seconds" integer,
	"from" text NOT NULL,
	"from_info" text,
	"to" text NOT NULL,
	"to_info" text,
	"direction" "direction" NOT NULL,
	"user_direction" "user_direction" NOT NULL,
	"conversation_type" "conversation_type" NOT NULL,
	"recording_failed" boolean DEFAULT false NOT NULL,
	"recording_failed_reason" text,
	"voice_quality" real,
	"media_length_seconds" integer,
	"media_error" text,
	"participants" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"record_type" text DEFAULT 'standard' NOT NULL,
	"location" text,
	"caller_number" text,
	"caller_name" text,
	"callee_number" text,
	"callee_name" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversations_one_per_user_and_call" UNIQUE("tenant_id","source_platform","platform_call_id","recorded_user_zoom_id")
);
--> statement-breakpoint
CREATE TABLE "media_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"zoom_file_id" text NOT NULL,
	"source_platform" "source_platform" NOT NULL,
	"platform_call_id" text NOT NULL,
	"file_type" text NOT NULL,
	"file_extension" text NOT NULL,
	"recording_type" text,
	"participant_zoom_user_id" text,
	"recording_started_at" timestamp with time zone NOT NULL,
	"zoom_size" bigint,
	"stored_size" bigint,
	"sha256" text,
	"storage_key" text NOT NULL,
	"state" "media_file_state" DEFAULT 'pending' NOT NULL,
	"stored_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "media_files_tenant_zoom_file" UNIQUE("tenant_id","zoom_file_id")
);
--> statement-breakpoint
CREATE TABLE "api_usage" (
	"tenant_id" text NOT NULL,
	"day" date NOT NULL,
	"family" "api_family" NOT NULL,
	"category" "rate_category" NOT NULL,
	"calls" integer DEFAULT 0 NOT NULL,
	"rate_limited" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_usage_pk" PRIMARY KEY("tenant_id","day","family","category")
);
--> statement-breakpoint
CREATE TABLE "sync_states" (
	"tenant_id" text NOT NULL,
	"source" "sync_source" NOT NULL,
	"status" "sync_status" NOT NULL,
	"last_attempt_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"watermark" timestamp with time zone,
	"authorization_status" "authorization_status" DEFAULT 'unknown' NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_states_pk" PRIMARY KEY("tenant_id","source")
);
--> statement-breakpoint
CREATE TABLE "reconciliation_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"source" "sync_source" NOT NULL,
	"from_day" date NOT NULL,
	"to_day" date NOT NULL,
	"status" "reconciliation_status" DEFAULT 'running' NOT NULL,
	"cursor" jsonb,
	"conversations_checked" integer DEFAULT 0 NOT NULL,
	"missing_found" integer DEFAULT 0 NOT NULL,
	"failed_cdrs_written" integer DEFAULT 0 NOT NULL,
	"api_calls" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recovery_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"request_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"meeting_ref" text NOT NULL,
	"zoom_meeting_id" text,
	"meeting_uuid" text,
	"state" "recovery_item_state" DEFAULT 'pending' NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recovery_items_request_meeting" UNIQUE("request_id","meeting_ref")
);
--> statement-breakpoint
CREATE TABLE "recovery_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" text NOT NULL,
	"kind" "recovery_kind" NOT NULL,
	"source" "sync_source" NOT NULL,
	"requested_by" text NOT NULL,
	"window_from" timestamp with time zone,
	"window_to" timestamp with time zone,
	"status" "recovery_status" DEFAULT 'queued' NOT NULL,
	"cursor" jsonb,
	"items_total" integer DEFAULT 0 NOT NULL,
	"items_missing" integer DEFAULT 0 NOT NULL,
	"items_archived" integer DEFAULT 0 NOT NULL,
	"items_failed" integer DEFAULT 0 NOT NULL,
	"finished_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "recorded_users" ADD CONSTRAINT "recorded_users_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "media_files" ADD CONSTRAINT "media_files_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_usage" ADD CONSTRAINT "api_usage_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_states" ADD CONSTRAINT "sync_states_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD CONSTRAINT "reconciliation_runs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recovery_items" ADD CONSTRAINT "recovery_items_request_id_recovery_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."recovery_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recovery_items" ADD CONSTRAINT "recovery_items_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recovery_requests" ADD CONSTRAINT "recovery_requests_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_tenant_started" ON "conversations" USING btree ("tenant_id","started_at");--> statement-breakpoint
CREATE INDEX "media_files_tenant_call" ON "media_files" USING btree ("tenant_id","platform_call_id");--> statement-breakpoint
CREATE INDEX "reconciliation_runs_tenant_started" ON "reconciliation_runs" USING btree ("tenant_id","started_at");--> statement-breakpoint
CREATE INDEX "recovery_items_tenant_request" ON "recovery_items" USING btree ("tenant_id","request_id");--> statement-breakpoint
CREATE INDEX "recovery_requests_tenant_created" ON "recovery_requests" USING btree ("tenant_id","created_at");