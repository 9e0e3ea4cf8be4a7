-- CreateTable
CREATE TABLE "saml_logout_chains" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "service_id" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "relay_state" TEXT,
    "remaining" TEXT NOT NULL DEFAULT '[]',
    "awaiting_service_id" TEXT,
    "awaiting_request_id" TEXT,
    "partial" BOOLEAN NOT NULL DEFAULT false,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" DATETIME NOT NULL,
    "completed_at" DATETIME,
    CONSTRAINT "saml_logout_chains_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "saml_logout_chains_awaiting_request_id_key" ON "saml_logout_chains"("awaiting_request_id");

-- CreateIndex
CREATE INDEX "saml_logout_chains_expires_at_idx" ON "saml_logout_chains"("expires_at");
