-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "display_name" TEXT,
ADD COLUMN     "logo_url" TEXT,
ADD COLUMN     "mfa_policy" TEXT NOT NULL DEFAULT 'optional',
ADD COLUMN     "primary_color" TEXT,
ADD COLUMN     "support_url" TEXT;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "attributes" TEXT NOT NULL DEFAULT '{}',
ADD COLUMN     "groups" TEXT NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "saml_configs" ADD COLUMN     "acs_urls" TEXT NOT NULL DEFAULT '[]',
ADD COLUMN     "encrypt_assertions" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "encryption_algorithm" TEXT NOT NULL DEFAULT 'aes256-gcm',
ADD COLUMN     "metadata_fetched_at" TIMESTAMP(3),
ADD COLUMN     "metadata_last_error" TEXT,
ADD COLUMN     "metadata_next_refresh_at" TIMESTAMP(3),
ADD COLUMN     "metadata_refresh_hours" INTEGER NOT NULL DEFAULT 24,
ADD COLUMN     "name_id_source" TEXT,
ADD COLUMN     "require_mfa" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "sp_encryption_certificate" TEXT,
ADD COLUMN     "sp_metadata_signing_certificate" TEXT,
ADD COLUMN     "sp_metadata_url" TEXT;

-- AlterTable
ALTER TABLE "saml_pending_requests" ADD COLUMN     "acs_url" TEXT,
ADD COLUMN     "requested_authn_context" TEXT;

-- AlterTable
ALTER TABLE "idp_sessions" ADD COLUMN     "mfa_at" TIMESTAMP(3);
