-- CreateTable
CREATE TABLE "saml_logout_chains" (
    "id" TEXT NOT NULL,
    "service_id" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "relay_state" TEXT,
    "remaining" TEXT NOT NULL DEFAULT '[]',
    "awaiting_service_id" TEXT,
    "awaiting_request_id" TEXT,
    "partial" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "completed_at" TIMESTAMP(3),

    CONSTRAINT "saml_logout_chains_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "saml_logout_chains_awaiting_request_id_key" ON "saml_logout_chains"("awaiting_request_id");

-- CreateIndex
CREATE INDEX "saml_logout_chains_expires_at_idx" ON "saml_logout_chains"("expires_at");

-- AddForeignKey
ALTER TABLE "saml_logout_chains" ADD CONSTRAINT "saml_logout_chains_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;
