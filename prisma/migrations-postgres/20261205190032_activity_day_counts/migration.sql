-- CreateTable
CREATE TABLE "sign_in_counts" (
    "organization_id" TEXT NOT NULL,
    "day" TIMESTAMP(3) NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "service_id" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "sign_in_counts_pkey" PRIMARY KEY ("organization_id","day","outcome","reason","service_id")
);

-- CreateTable
CREATE TABLE "audit_event_counts" (
    "organization_id" TEXT NOT NULL,
    "day" TIMESTAMP(3) NOT NULL,
    "action" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "audit_event_counts_pkey" PRIMARY KEY ("organization_id","day","action")
);

-- The rows already written, counted once (src/audit/totals.ts); timestamps are UTC.
INSERT INTO "sign_in_counts" ("organization_id", "day", "outcome", "reason", "service_id", "count")
SELECT "organization_id", date_trunc('day', "created_at"), "outcome", COALESCE("reason", ''), COALESCE("service_id", ''), COUNT(*)
FROM "sign_ins" GROUP BY 1, 2, 3, 4, 5;

INSERT INTO "audit_event_counts" ("organization_id", "day", "action", "count")
SELECT "organization_id", date_trunc('day', "created_at"), "action", COUNT(*)
FROM "audit_events" GROUP BY 1, 2, 3;
