-- AlterTable (by hand: the generated rebuild of the table would drop it under the triggers that name it)
ALTER TABLE "service_list_counts" ADD COLUMN "version" BIGINT NOT NULL DEFAULT 0;

-- The counting triggers of 20261205103354_service_list_counts, now also moving each counter row's
-- version on, in the same statement as its count (see schema.prisma, ServiceListCount).
DROP TRIGGER "service_users_counted_insert";
DROP TRIGGER "service_users_counted_delete";
DROP TRIGGER "service_users_counted_update";
DROP TRIGGER "subscriptions_counted_insert";
DROP TRIGGER "subscriptions_counted_delete";
DROP TRIGGER "subscriptions_counted_update";

CREATE TRIGGER "service_users_counted_insert" AFTER INSERT ON "service_users" BEGIN
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count", "version") VALUES (NEW."service_id", 'users', '', 1, 1)
    ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "count" + 1, "version" = "version" + 1;
END;
CREATE TRIGGER "service_users_counted_delete" AFTER DELETE ON "service_users" BEGIN
  UPDATE "service_list_counts" SET "count" = "count" - 1, "version" = "version" + 1
    WHERE "service_id" = OLD."service_id" AND "list" = 'users' AND "status" = '';
END;
CREATE TRIGGER "service_users_counted_update" AFTER UPDATE OF "service_id" ON "service_users"
  WHEN OLD."service_id" IS NOT NEW."service_id" BEGIN
  UPDATE "service_list_counts" SET "count" = "count" - 1, "version" = "version" + 1
    WHERE "service_id" = OLD."service_id" AND "list" = 'users' AND "status" = '';
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count", "version") VALUES (NEW."service_id", 'users', '', 1, 1)
    ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "count" + 1, "version" = "version" + 1;
END;
CREATE TRIGGER "subscriptions_counted_insert" AFTER INSERT ON "subscriptions" BEGIN
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count", "version") VALUES (NEW."service_id", 'subscriptions', NEW."status", 1, 1)
    ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "count" + 1, "version" = "version" + 1;
END;
CREATE TRIGGER "subscriptions_counted_delete" AFTER DELETE ON "subscriptions" BEGIN
  UPDATE "service_list_counts" SET "count" = "count" - 1, "version" = "version" + 1
    WHERE "service_id" = OLD."service_id" AND "list" = 'subscriptions' AND "status" = OLD."status";
END;
CREATE TRIGGER "subscriptions_counted_update" AFTER UPDATE OF "service_id", "status" ON "subscriptions"
  WHEN OLD."service_id" IS NOT NEW."service_id" OR OLD."status" IS NOT NEW."status" BEGIN
  UPDATE "service_list_counts" SET "count" = "count" - 1, "version" = "version" + 1
    WHERE "service_id" = OLD."service_id" AND "list" = 'subscriptions' AND "status" = OLD."status";
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count", "version") VALUES (NEW."service_id", 'subscriptions', NEW."status", 1, 1)
    ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "count" + 1, "version" = "version" + 1;
END;
