-- CreateTable
CREATE TABLE "service_list_counts" (
    "service_id" TEXT NOT NULL,
    "list" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "service_list_counts_pkey" PRIMARY KEY ("service_id","list","status")
);

-- AddForeignKey
ALTER TABLE "service_list_counts" ADD CONSTRAINT "service_list_counts_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- What keeps "service_list_counts" exact (see schema.prisma), written by hand: Prisma's schema cannot
-- express triggers. Inserts and deletes are counted once per statement, from its transition table: a
-- statement that writes many rows of one service (a bulk load, the cascade from a deleted service or
-- user) then changes that service's counter row once, where a row-level trigger would update the same
-- row once per row, each update walking past the versions the previous ones left. Every sign-in's
-- upsert of its link fires the insert trigger with nothing inserted, an empty INSERT (about 0.05 ms).
-- Updates that move a row to another counter (a subscription's status) come one row at a time, so they
-- are row-level triggers with a WHEN clause, which costs nothing on every other update (such as each
-- sign-in's last_login_at).
--
-- Counter rows are locked in key order (service, list, status) by every function, so that two
-- transactions changing the same counters cannot deadlock on them.
CREATE FUNCTION "service_users_counted"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "service_list_counts" ("service_id", "list", "status", "count")
      SELECT "service_id", 'users', '', COUNT(*) FROM "new_rows" GROUP BY "service_id" ORDER BY "service_id"
      ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "service_list_counts"."count" + EXCLUDED."count";
  ELSE
    PERFORM FROM "service_list_counts" WHERE "list" = 'users' AND "service_id" IN (SELECT "service_id" FROM "old_rows")
      ORDER BY "service_id" FOR UPDATE;
    UPDATE "service_list_counts" c SET "count" = c."count" - o."n"
      FROM (SELECT "service_id", COUNT(*) AS "n" FROM "old_rows" GROUP BY "service_id") o
      WHERE c."service_id" = o."service_id" AND c."list" = 'users' AND c."status" = '';
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION "subscriptions_counted"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "service_list_counts" ("service_id", "list", "status", "count")
      SELECT "service_id", 'subscriptions', "status", COUNT(*) FROM "new_rows" GROUP BY "service_id", "status" ORDER BY "service_id", "status"
      ON CONFLICT ("service_id", "list", "status") DO UPDATE SET "count" = "service_list_counts"."count" + EXCLUDED."count";
  ELSE
    PERFORM FROM "service_list_counts" WHERE "list" = 'subscriptions' AND ("service_id", "status") IN (SELECT "service_id", "status" FROM "old_rows")
      ORDER BY "service_id", "status" FOR UPDATE;
    UPDATE "service_list_counts" c SET "count" = c."count" - o."n"
      FROM (SELECT "service_id", "status", COUNT(*) AS "n" FROM "old_rows" GROUP BY "service_id", "status") o
      WHERE c."service_id" = o."service_id" AND c."list" = 'subscriptions' AND c."status" = o."status";
  END IF;
  RETURN NULL;
END
$$;

-- A row moved from one counter to another: the new counter's row is made to exist first, then both
-- rows are locked in key order before they change.
CREATE FUNCTION "service_list_counts_move"(from_service TEXT, to_service TEXT, which TEXT, from_status TEXT, to_status TEXT)
RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count") VALUES (to_service, which, to_status, 0)
    ON CONFLICT ("service_id", "list", "status") DO NOTHING;
  PERFORM FROM "service_list_counts" c
    WHERE c."list" = which AND (c."service_id", c."status") IN ((from_service, from_status), (to_service, to_status))
    ORDER BY c."service_id", c."status" FOR UPDATE;
  UPDATE "service_list_counts" c SET "count" = c."count" - 1 WHERE c."service_id" = from_service AND c."list" = which AND c."status" = from_status;
  UPDATE "service_list_counts" c SET "count" = c."count" + 1 WHERE c."service_id" = to_service AND c."list" = which AND c."status" = to_status;
END
$$;

CREATE FUNCTION "service_users_moved"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "service_list_counts_move"(OLD."service_id", NEW."service_id", 'users', '', '');
  RETURN NULL;
END
$$;

CREATE FUNCTION "subscriptions_moved"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "service_list_counts_move"(OLD."service_id", NEW."service_id", 'subscriptions', OLD."status", NEW."status");
  RETURN NULL;
END
$$;

CREATE TRIGGER "service_users_counted_insert" AFTER INSERT ON "service_users"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "service_users_counted"();
CREATE TRIGGER "service_users_counted_delete" AFTER DELETE ON "service_users"
  REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "service_users_counted"();
CREATE TRIGGER "service_users_counted_update" AFTER UPDATE ON "service_users"
  FOR EACH ROW WHEN (OLD."service_id" IS DISTINCT FROM NEW."service_id") EXECUTE FUNCTION "service_users_moved"();
CREATE TRIGGER "subscriptions_counted_insert" AFTER INSERT ON "subscriptions"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "subscriptions_counted"();
CREATE TRIGGER "subscriptions_counted_delete" AFTER DELETE ON "subscriptions"
  REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "subscriptions_counted"();
CREATE TRIGGER "subscriptions_counted_update" AFTER UPDATE ON "subscriptions"
  FOR EACH ROW WHEN (OLD."service_id" IS DISTINCT FROM NEW."service_id" OR OLD."status" IS DISTINCT FROM NEW."status")
  EXECUTE FUNCTION "subscriptions_moved"();

-- The rows already there are counted after the triggers exist: creating them locks both tables until
-- this migration commits, so a writer waiting on that lock fires them afterwards, and nothing is missed
-- or counted twice.
INSERT INTO "service_list_counts" ("service_id", "list", "status", "count")
  SELECT "service_id", 'users', '', COUNT(*) FROM "service_users" GROUP BY "service_id";
INSERT INTO "service_list_counts" ("service_id", "list", "status", "count")
  SELECT "service_id", 'subscriptions', "status", COUNT(*) FROM "subscriptions" GROUP BY "service_id", "status";
