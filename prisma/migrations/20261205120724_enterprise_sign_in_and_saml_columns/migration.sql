-- AlterTable
ALTER TABLE "saml_pending_requests" ADD COLUMN "acs_url" TEXT;
ALTER TABLE "saml_pending_requests" ADD COLUMN "requested_authn_context" TEXT;

-- AlterTable
ALTER TABLE "idp_sessions" ADD COLUMN "mfa_at" DATETIME;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_organizations" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "max_services" INTEGER,
    "display_name" TEXT,
    "logo_url" TEXT,
    "primary_color" TEXT,
    "support_url" TEXT,
    "mfa_policy" TEXT NOT NULL DEFAULT 'optional',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);
INSERT INTO "new_organizations" ("created_at", "id", "max_services", "name", "slug", "updated_at") SELECT "created_at", "id", "max_services", "name", "slug", "updated_at" FROM "organizations";
DROP TABLE "organizations";
ALTER TABLE "new_organizations" RENAME TO "organizations";
CREATE UNIQUE INDEX "organizations_slug_key" ON "organizations"("slug");
CREATE TABLE "new_users" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "organization_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "password_hash" TEXT,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_by_service_id" TEXT,
    "groups" TEXT NOT NULL DEFAULT '[]',
    "attributes" TEXT NOT NULL DEFAULT '{}',
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "users_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_users" ("created_at", "created_by_service_id", "disabled", "email", "id", "organization_id", "password_hash", "updated_at") SELECT "created_at", "created_by_service_id", "disabled", "email", "id", "organization_id", "password_hash", "updated_at" FROM "users";
DROP TABLE "users";
ALTER TABLE "new_users" RENAME TO "users";
CREATE INDEX "users_organization_id_created_at_idx" ON "users"("organization_id", "created_at");
CREATE UNIQUE INDEX "users_organization_id_email_key" ON "users"("organization_id", "email");
CREATE TABLE "new_saml_configs" (
    "service_id" TEXT NOT NULL PRIMARY KEY,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "entity_id" TEXT,
    "acs_url" TEXT,
    "slo_url" TEXT,
    "name_id_format" TEXT NOT NULL,
    "attribute_mapping" TEXT NOT NULL DEFAULT '{}',
    "sign_assertions" BOOLEAN NOT NULL DEFAULT true,
    "sign_response" BOOLEAN NOT NULL DEFAULT true,
    "sp_certificate" TEXT,
    "want_authn_requests_signed" BOOLEAN NOT NULL DEFAULT false,
    "allow_idp_initiated" BOOLEAN NOT NULL DEFAULT true,
    "require_mfa" BOOLEAN NOT NULL DEFAULT false,
    "encrypt_assertions" BOOLEAN NOT NULL DEFAULT false,
    "sp_encryption_certificate" TEXT,
    "encryption_algorithm" TEXT NOT NULL DEFAULT 'aes256-gcm',
    "acs_urls" TEXT NOT NULL DEFAULT '[]',
    "name_id_source" TEXT,
    "sp_metadata_url" TEXT,
    "sp_metadata_signing_certificate" TEXT,
    "metadata_refresh_hours" INTEGER NOT NULL DEFAULT 24,
    "metadata_fetched_at" DATETIME,
    "metadata_next_refresh_at" DATETIME,
    "metadata_last_error" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL,
    CONSTRAINT "saml_configs_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_saml_configs" ("acs_url", "allow_idp_initiated", "attribute_mapping", "created_at", "enabled", "entity_id", "name_id_format", "service_id", "sign_assertions", "sign_response", "slo_url", "sp_certificate", "updated_at", "want_authn_requests_signed") SELECT "acs_url", "allow_idp_initiated", "attribute_mapping", "created_at", "enabled", "entity_id", "name_id_format", "service_id", "sign_assertions", "sign_response", "slo_url", "sp_certificate", "updated_at", "want_authn_requests_signed" FROM "saml_configs";
DROP TABLE "saml_configs";
ALTER TABLE "new_saml_configs" RENAME TO "saml_configs";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
