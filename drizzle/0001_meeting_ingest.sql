ALTER TYPE "public"."media_file_state" ADD VALUE 'skipped';--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "zoom_api_base_url" text DEFAULT 'https://api.zoom.us/v2' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "zoom_oauth_token_url" text DEFAULT 'https://zoom.us/oauth/token' NOT NULL;--> statement-breakpoint
ALTER TABLE "media_files" ADD COLUMN "zoom_status" text DEFAULT 'completed' NOT NULL;--> statement-breakpoint
ALTER TABLE "media_files" ADD COLUMN "download_url" text;