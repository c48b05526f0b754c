CREATE TABLE "listed_calls" (
	"tenant_id" text NOT NULL,
	"call_id" text NOT NULL,
	"call_history_uuid" text,
	"call_element_id" text,
	"zoom_direction" text NOT NULL,
	"caller_number" text NOT NULL,
	"caller_number_type" integer,
	"caller_name" text,
	"callee_number" text NOT NULL,
	"callee_number_type" integer,
	"callee_name" text,
	"start_time" timestamp with time zone NOT NULL,
	"parties" jsonb,
	"last_listed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "listed_calls_pk" PRIMARY KEY("tenant_id","call_id")
);
--> statement-breakpoint
CREATE TABLE "phone_recordings" (
	"tenant_id" text NOT NULL,
	"recording_id" text NOT NULL,
	"call_id" text NOT NULL,
	"call_element_id" text,
	"owner_type" text NOT NULL,
	"owner_id" text,
	"owner_name" text,
	"owner_extension" text,
	"taker_name" text,
	"taker_extension" text,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"duration_seconds" integer NOT NULL,
	"recorded_user_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "phone_recordings_pk" PRIMARY KEY("tenant_id","recording_id")
);
--> statement-breakpoint
ALTER TABLE "listed_calls" ADD CONSTRAINT "listed_calls_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_recordings" ADD CONSTRAINT "phone_recordings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "listed_calls_tenant_start" ON "listed_calls" USING btree ("tenant_id","start_time");--> statement-breakpoint
CREATE INDEX "phone_recordings_tenant_call" ON "phone_recordings" USING btree ("tenant_id","call_id");