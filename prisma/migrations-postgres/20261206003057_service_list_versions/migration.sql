-- AlterTable
ALTER TABLE "service_list_counts" ADD COLUMN     "version" BIGINT NOT NULL DEFAULT 0;

-- The counting functions of 20261205103354_service_list_counts, now also moving each counter row's
-- version on, in the same statement as its count (see schema.prisma, ServiceListCount). The triggers
-- stay: they call the functions by name. A statement that changes no row of a list (every sign-in's
-- upsert of its link) still changes nothing, version included.
CREATE OR REPLACE FUNCTION "service_users_counted"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "service_list_counts" ("service_id", "list", "status", "count", "version")
      SELECT "service_id", 'users', '', COUNT(*), 1 FROM "new_rows" GROUP BY "service_id" ORDER BY "service_id"
      ON CONFLICT ("service_id", "list", "status") DO UPDATE
        SET "count" = "service_list_counts"."count" + EXCLUDED."count", "version" = "service_list_counts"."version" + 1;
  ELSE
    PERFORM FROM "service_list_counts" WHERE "list" = 'users' AND "service_id" IN (SELECT "service_id" FROM "old_rows")
      ORDER BY "service_id" FOR UPDATE;
    UPDATE "service_list_counts" c SET "count" = c."count" - o."n", "version" = c."version" + 1
      FROM (SELECT "service_id", COUNT(*) AS "n" FROM "old_rows" GROUP BY "service_id") o
      WHERE c."service_id" = o."service_id" AND c."list" = 'users' AND c."status" = '';
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION "subscriptions_counted"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO "service_list_counts" ("service_id", "list", "status", "count", "version")
      SELECT "service_id", 'subscriptions', "status", COUNT(*), 1 FROM "new_rows" GROUP BY "service_id", "status" ORDER BY "service_id", "status"
      ON CONFLICT ("service_id", "list", "status") DO UPDATE
        SET "count" = "service_list_counts"."count" + EXCLUDED."count", "version" = "service_list_counts"."version" + 1;
  ELSE
    PERFORM FROM "service_list_counts" WHERE "list" = 'subscriptions' AND ("service_id", "status") IN (SELECT "service_id", "status" FROM "old_rows")
      ORDER BY "service_id", "status" FOR UPDATE;
    UPDATE "service_list_counts" c SET "count" = c."count" - o."n", "version" = c."version" + 1
      FROM (SELECT "service_id", "status", COUNT(*) AS "n" FROM "old_rows" GROUP BY "service_id", "status") o
      WHERE c."service_id" = o."service_id" AND c."list" = 'subscriptions' AND c."status" = o."status";
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION "service_list_counts_move"(from_service TEXT, to_service TEXT, which TEXT, from_status TEXT, to_status TEXT)
RETURNS void LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO "service_list_counts" ("service_id", "list", "status", "count") VALUES (to_service, which, to_status, 0)
    ON CONFLICT ("service_id", "list", "status") DO NOTHING;
  PERFORM FROM "service_list_counts" c
    WHERE c."list" = which AND (c."service_id", c."status") IN ((from_service, from_status), (to_service, to_status))
    ORDER BY c."service_id", c."status" FOR UPDATE;
  UPDATE "service_list_counts" c SET "count" = c."count" - 1, "version" = c."version" + 1
    WHERE c."service_id" = from_service AND c."list" = which AND c."status" = from_status;
  UPDATE "service_list_counts" c SET "count" = c."count" + 1, "version" = c."version" + 1
    WHERE c."service_id" = to_service AND c."list" = which AND c."status" = to_status;
END
$$;
