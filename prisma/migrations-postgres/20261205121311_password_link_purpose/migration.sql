-- AlterTable
ALTER TABLE "password_links" ADD COLUMN     "pending_request_id" TEXT,
ADD COLUMN     "purpose" TEXT NOT NULL DEFAULT 'set';
