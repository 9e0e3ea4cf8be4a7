-- DropIndex
DROP INDEX "service_users_service_id_created_at_idx";

-- DropIndex
DROP INDEX "subscriptions_service_id_status_idx";

-- DropIndex
DROP INDEX "subscriptions_service_id_created_at_idx";

-- CreateIndex
CREATE INDEX "service_users_service_id_created_at_id_user_id_idx" ON "service_users"("service_id", "created_at", "id", "user_id");

-- CreateIndex
CREATE INDEX "subscriptions_service_id_status_created_at_id_idx" ON "subscriptions"("service_id", "status", "created_at", "id");

-- CreateIndex
CREATE INDEX "subscriptions_service_id_created_at_id_idx" ON "subscriptions"("service_id", "created_at", "id");
