-- CreateTable
CREATE TABLE "service_list_changes" (
    "service_id" TEXT NOT NULL,
    "list" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "version" BIGINT NOT NULL,
    "low_created_at" TIMESTAMP(3) NOT NULL,
    "low_id" TEXT NOT NULL,
    "high_created_at" TIMESTAMP(3) NOT NULL,
    "high_id" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,
    "changed_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_list_changes_pkey" PRIMARY KEY ("service_id","list","status","version")
);

-- A counter row made now (a service's first link or subscription of a status, or the same after its
-- rows were deleted with their service or by hand) starts at a version taken from the clock, in
-- microseconds, rather than at 1: a row made again never repeats the versions of the one before, whose
-- change rows may still be kept (their primary key would refuse the list's writes), and an anchor made
-- with the old row's versions finds the new ones far ahead of it, with their changes missing, and walks.
-- Existing rows keep counting from where they are.
CREATE FUNCTION "service_list_first_version"() RETURNS BIGINT LANGUAGE sql AS $$
  SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)
$$;

-- When a change row was written, in UTC like every timestamp Tessera writes: CURRENT_TIMESTAMP into a
-- TIMESTAMP column would be the session's local time, and pruning (which compares with UTC) would keep
-- the rows too long or too short.
CREATE FUNCTION "service_list_now"() RETURNS TIMESTAMP(3) LANGUAGE sql AS $$
  SELECT CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP(3))
$$;

-- The counting functions of 20261206003057_service_list_versions, now also writing what each statement
-- changed in each list next to the version it moved the list's counter row to: how many rows, and the
-- lowest and highest key (created_at, id) among them (see schema.prisma, ServiceListChange). The
-- triggers stay: they call the functions by name.
CREATE OR REPLACE FUNCTION "service_users_counted"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH "g" AS (SELECT "service_id", COUNT(*) AS "n" FROM "new_rows" GROUP BY "service_id"),
    "lo" AS (SELECT DISTINCT ON ("service_id") "service_id", "created_at", "id" FROM "new_rows" ORDER BY "service_id", "created_at", "id"),
    "hi" AS (SELECT DISTINCT ON ("service_id") "service_id", "created_at", "id" FROM "new_rows" ORDER BY "service_id", "created_at" DESC, "id" DESC),
    "bumped" AS (
      INSERT INTO "service_list_counts" ("service_id", "list", "status", "count", "version")
        SELECT "service_id", 'users', '', "n", "service_list_first_version"() FROM "g" ORDER BY "service_id"
        ON CONFLICT ("service_id", "list", "status") DO UPDATE
          SET "count" = "service_list_counts"."count" + EXCLUDED."count", "version" = "service_list_counts"."version" + 1
        RETURNING "service_id", "version")
    INSERT INTO "service_list_changes" ("service_id", "list", "status", "version", "low_created_at", "low_id", "high_created_at", "high_id", "delta", "changed_at")
      SELECT b."service_id", 'users', '', b."version", "lo"."created_at", "lo"."id", "hi"."created_at", "hi"."id", "g"."n", "service_list_now"()
      FROM "bumped" b JOIN "g" USING ("service_id") JOIN "lo" USING ("service_id") JOIN "hi" USING ("service_id");
  ELSE
    PERFORM FROM "service_list_counts" WHERE "list" = 'users' AND "service_id" IN (SELECT "service_id" FROM "old_rows")
      ORDER BY "service_id" FOR UPDATE;
    WITH "g" AS (SELECT "service_id", COUNT(*) AS "n" FROM "old_rows" GROUP BY "service_id"),
    "lo" AS (SELECT DISTINCT ON ("service_id") "service_id", "created_at", "id" FROM "old_rows" ORDER BY "service_id", "created_at", "id"),
    "hi" AS (SELECT DISTINCT ON ("service_id") "service_id", "created_at", "id" FROM "old_rows" ORDER BY "service_id", "created_at" DESC, "id" DESC),
    "bumped" AS (
      UPDATE "service_list_counts" c SET "count" = c."count" - "g"."n", "version" = c."version" + 1
        FROM "g" WHERE c."service_id" = "g"."service_id" AND c."list" = 'users' AND c."status" = ''
        RETURNING c."service_id", c."version")
    INSERT INTO "service_list_changes" ("service_id", "list", "status", "version", "low_created_at", "low_id", "high_created_at", "high_id", "delta", "changed_at")
      SELECT b."service_id", 'users', '', b."version", "lo"."created_at", "lo"."id", "hi"."created_at", "hi"."id", -"g"."n", "service_list_now"()
      FROM "bumped" b JOIN "g" USING ("service_id") JOIN "lo" USING ("service_id") JOIN "hi" USING ("service_id");
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION "subscriptions_counted"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH "g" AS (SELECT "service_id", "status", COUNT(*) AS "n" FROM "new_rows" GROUP BY "service_id", "status"),
    "lo" AS (SELECT DISTINCT ON ("service_id", "status") "service_id", "status", "created_at", "id" FROM "new_rows"
      ORDER BY "service_id", "status", "created_at", "id"),
    "hi" AS (SELECT DISTINCT ON ("service_id", "status") "service_id", "status", "created_at", "id" FROM "new_rows"
      ORDER BY "service_id", "status", "created_at" DESC, "id" DESC),
    "bumped" AS (
      INSERT INTO "service_list_counts" ("service_id", "list", "status", "count", "version")
        SELECT "service_id", 'subscriptions', "status", "n", "service_list_first_version"() FROM "g" ORDER BY "service_id", "status"
        ON CONFLICT ("service_id", "list", "status") DO UPDATE
          SET "count" = "service_list_counts"."count" + EXCLUDED."count", "version" = "service_list_counts"."version" + 1
        RETURNING "service_id", "status", "version")
    INSERT INTO "service_list_changes" ("service_id", "list", "status", "version", "low_created_at", "low_id", "high_created_at", "high_id", "delta", "changed_at")
      SELECT b."service_id", 'subscriptions', b."status", b."version", "lo"."created_at", "lo"."id", "hi"."created_at", "hi"."id", "g"."n", "service_list_now"()
      FROM "bumped" b JOIN "g" USING ("service_id", "status") JOIN "lo" USING ("service_id", "status") JOIN "hi" USING ("service_id", "status");
  ELSE
    PERFORM FROM "service_list_counts" WHERE "list" = 'subscriptions' AND ("service_id", "status") IN (SELECT "service_id", "status" FROM "old_rows")
      ORDER BY "service_id", "status" FOR UPDATE;
    WITH "g" AS (SELECT "service_id", "status", COUNT(*) AS "n" FROM "old_rows" GROUP BY "service_id", "status"),
    "lo" AS (SELECT DISTINCT ON ("service_id", "status") "service_id", "status", "created_at", "id" FROM "old_rows"
      ORDER BY "service_id", "status", "created_at", "id"),
    "hi" AS (SELECT DISTINCT ON ("service_id", "status") "service_id", "status", "created_at", "id" FROM "old_rows"
      ORDER BY "service_id", "status", "created_at" DESC, "id" DESC),
    "bumped" AS (
      UPDATE "service_list_counts" c SET "count" = c."count" - "g"."n", "version" = c."version" + 1
        FROM "g" WHERE c."service_id" = "g"."service_id" AND c."list" = 'subscriptions' AND c."status" = "g"."status"
        RETURNING c."service_id", c."status", c."version")
    INSERT INTO "service_list_changes" ("service_id", "list", "status", "version", "low_created_at", "low_id", "high_created_at", "high_id", "delta", "changed_at")
      SELECT b."service_id", 'subscriptions', b."status", b."version", "lo"."created_at", "lo"."id", "hi"."created_at", "hi"."id", -"g"."n", "service_list_now"()
      FROM "bumped" b JOIN "g" USING ("service_id", "status") JOIN "lo" USING ("service_id", "status") JOIN "hi" USING ("service_id", "status");
  END IF;
  RETURN NULL;
END
$$;

-- A row moved from one counter to another (another service, or another status): the move now names the
-- row's key, which it writes as the change of both counters (one row out of one list, into the other).
CREATE FUNCTION "service_list_counts_move"(from_service TEXT, to_service TEXT, which TEXT, from_status TEXT, to_status TEXT,
  row_created_at TIMESTAMP(3), row_id TEXT)
RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  moved BIGINT;
BEGIN
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count", "version")
    VALUES (to_service, which, to_status, 0, "service_list_first_version"() - 1)
    ON CONFLICT ("service_id", "list", "status") DO NOTHING;
  PERFORM FROM "service_list_counts" c
    WHERE c."list" = which AND (c."service_id", c."status") IN ((from_service, from_status), (to_service, to_status))
    ORDER BY c."service_id", c."status" FOR UPDATE;
  UPDATE "service_list_counts" c SET "count" = c."count" - 1, "version" = c."version" + 1
    WHERE c."service_id" = from_service AND c."list" = which AND c."status" = from_status
    RETURNING c."version" INTO moved;
  IF moved IS NOT NULL THEN
    INSERT INTO "service_list_changes" ("service_id", "list", "status", "version", "low_created_at", "low_id", "high_created_at", "high_id", "delta", "changed_at")
      VALUES (from_service, which, from_status, moved, row_created_at, row_id, row_created_at, row_id, -1, "service_list_now"());
  END IF;
  UPDATE "service_list_counts" c SET "count" = c."count" + 1, "version" = c."version" + 1
    WHERE c."service_id" = to_service AND c."list" = which AND c."status" = to_status
    RETURNING c."version" INTO moved;
  INSERT INTO "service_list_changes" ("service_id", "list", "status", "version", "low_created_at", "low_id", "high_created_at", "high_id", "delta", "changed_at")
    VALUES (to_service, which, to_status, moved, row_created_at, row_id, row_created_at, row_id, 1, "service_list_now"());
END
$$;

CREATE OR REPLACE FUNCTION "service_users_moved"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "service_list_counts_move"(OLD."service_id", NEW."service_id", 'users', '', '', OLD."created_at", OLD."id");
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION "subscriptions_moved"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  PERFORM "service_list_counts_move"(OLD."service_id", NEW."service_id", 'subscriptions', OLD."status", NEW."status", OLD."created_at", OLD."id");
  RETURN NULL;
END
$$;

DROP FUNCTION "service_list_counts_move"(TEXT, TEXT, TEXT, TEXT, TEXT);
