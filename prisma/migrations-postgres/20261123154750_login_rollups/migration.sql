-- AlterTable
ALTER TABLE "service_users" ADD COLUMN     "last_login_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "login_counts" (
    "service_id" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "login_counts_pkey" PRIMARY KEY ("service_id","hour")
);

-- CreateIndex
CREATE INDEX "service_users_service_id_last_login_at_idx" ON "service_users"("service_id", "last_login_at");

-- AddForeignKey
ALTER TABLE "login_counts" ADD CONSTRAINT "login_counts_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;
