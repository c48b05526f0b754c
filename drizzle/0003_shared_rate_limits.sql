CREATE TABLE "api_daily_quotas" (
	"tenant_id" text NOT NULL,
	"family" "api_family" NOT NULL,
	"day" date NOT NULL,
	"used" integer DEFAULT 0 NOT NULL,
	"blocked_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_daily_quotas_pk" PRIMARY KEY("tenant_id","family")
);
--> statement-breakpoint
CREATE TABLE "api_pacing" (
	"tenant_id" text NOT NULL,
	"family" "api_family" NOT NULL,
	"category" "rate_category" NOT NULL,
	"tat" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_pacing_pk" PRIMARY KEY("tenant_id","family","category")
);
--> statement-breakpoint
ALTER TABLE "api_daily_quotas" ADD CONSTRAINT "api_daily_quotas_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_pacing" ADD CONSTRAINT "api_pacing_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;