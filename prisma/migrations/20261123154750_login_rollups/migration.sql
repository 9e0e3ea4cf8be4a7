-- AlterTable
ALTER TABLE "service_users" ADD COLUMN "last_login_at" DATETIME;

-- CreateTable
CREATE TABLE "login_counts" (
    "service_id" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("service_id", "hour"),
    CONSTRAINT "login_counts_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "service_users_service_id_last_login_at_idx" ON "service_users"("service_id", "last_login_at");
