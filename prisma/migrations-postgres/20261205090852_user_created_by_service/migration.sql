-- AlterTable
ALTER TABLE "users" ADD COLUMN     "created_by_service_id" TEXT;
