-- CreateTable
CREATE TABLE "sign_in_counts" (
    "organization_id" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "service_id" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("organization_id", "day", "outcome", "reason", "service_id")
);

-- CreateTable
CREATE TABLE "audit_event_counts" (
    "organization_id" TEXT NOT NULL,
    "day" DATETIME NOT NULL,
    "action" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("organization_id", "day", "action")
);

-- The rows already written, counted once (src/audit/totals.ts). DATETIME values are ISO-8601 text
-- ('2026-12-05T13:14:15.678+00:00', as the Prisma adapter writes them), so a UTC day is their first 10 characters.
INSERT INTO "sign_in_counts" ("organization_id", "day", "outcome", "reason", "service_id", "count")
SELECT "organization_id", substr("created_at", 1, 10) || 'T00:00:00.000+00:00', "outcome", COALESCE("reason", ''), COALESCE("service_id", ''), COUNT(*)
FROM "sign_ins" GROUP BY 1, 2, 3, 4, 5;

INSERT INTO "audit_event_counts" ("organization_id", "day", "action", "count")
SELECT "organization_id", substr("created_at", 1, 10) || 'T00:00:00.000+00:00', "action", COUNT(*)
FROM "audit_events" GROUP BY 1, 2, 3;
