-- DropIndex
DROP INDEX "webhook_deliveries_webhook_id_status_created_at_idx";
