-- CreateTable
CREATE TABLE "service_list_counts" (
    "service_id" TEXT NOT NULL,
    "list" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("service_id", "list", "status"),
    CONSTRAINT "service_list_counts_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- What keeps "service_list_counts" exact (see schema.prisma), written by hand: Prisma's schema cannot
-- express triggers. SQLite fires them for every row a statement writes, foreign-key cascades included;
-- an upsert that finds its row fires the UPDATE triggers, not the INSERT ones.
CREATE TRIGGER "service_users_counted_insert" AFTER INSERT ON "service_users" BEGIN
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count") VALUES (NEW."service_id", 'users', '', 1)
    ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "count" + 1;
END;
CREATE TRIGGER "service_users_counted_delete" AFTER DELETE ON "service_users" BEGIN
  UPDATE "service_list_counts" SET "count" = "count" - 1 WHERE "service_id" = OLD."service_id" AND "list" = 'users' AND "status" = '';
END;
CREATE TRIGGER "service_users_counted_update" AFTER UPDATE OF "service_id" ON "service_users"
  WHEN OLD."service_id" IS NOT NEW."service_id" BEGIN
  UPDATE "service_list_counts" SET "count" = "count" - 1 WHERE "service_id" = OLD."service_id" AND "list" = 'users' AND "status" = '';
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count") VALUES (NEW."service_id", 'users', '', 1)
    ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "count" + 1;
END;
CREATE TRIGGER "subscriptions_counted_insert" AFTER INSERT ON "subscriptions" BEGIN
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count") VALUES (NEW."service_id", 'subscriptions', NEW."status", 1)
    ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "count" + 1;
END;
CREATE TRIGGER "subscriptions_counted_delete" AFTER DELETE ON "subscriptions" BEGIN
  UPDATE "service_list_counts" SET "count" = "count" - 1
    WHERE "service_id" = OLD."service_id" AND "list" = 'subscriptions' AND "status" = OLD."status";
END;
CREATE TRIGGER "subscriptions_counted_update" AFTER UPDATE OF "service_id", "status" ON "subscriptions"
  WHEN OLD."service_id" IS NOT NEW."service_id" OR OLD."status" IS NOT NEW."status" BEGIN
  UPDATE "service_list_counts" SET "count" = "count" - 1
    WHERE "service_id" = OLD."service_id" AND "list" = 'subscriptions' AND "status" = OLD."status";
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count") VALUES (NEW."service_id", 'subscriptions', NEW."status", 1)
    ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "count" + 1;
END;

-- The rows already there (the migration runs alone, in one IMMEDIATE transaction).
INSERT INTO "service_list_counts" ("service_id", "list", "status", "count")
  SELECT "service_id", 'users', '', COUNT(*) FROM "service_users" GROUP BY "service_id";
INSERT INTO "service_list_counts" ("service_id", "list", "status", "count")
  SELECT "service_id", 'subscriptions', "status", COUNT(*) FROM "subscriptions" GROUP BY "service_id", "status";
