CREATE TABLE "meeting_people" (
	"tenant_id" text NOT NULL,
	"meeting_uuid" text NOT NULL,
	"recorded_users" jsonb NOT NULL,
	"participants" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "meeting_people_pk" PRIMARY KEY("tenant_id","meeting_uuid")
);
--> statement-breakpoint
ALTER TABLE "meeting_people" ADD CONSTRAINT "meeting_people_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;