-- CreateTable
CREATE TABLE "account_totp_factors" (
    "account_id" TEXT NOT NULL,
    "secret_sealed" TEXT NOT NULL,
    "last_time_step" BIGINT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "enabled_at" TIMESTAMP(3),

    CONSTRAINT "account_totp_factors_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "account_mfa_tokens" (
    "id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "consumed_at" TIMESTAMP(3),

    CONSTRAINT "account_mfa_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_mfa_lockouts" (
    "account_id" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "window_start" TIMESTAMP(3) NOT NULL,
    "locked_until" TIMESTAMP(3),

    CONSTRAINT "account_mfa_lockouts_pkey" PRIMARY KEY ("account_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "account_mfa_tokens_token_hash_key" ON "account_mfa_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "account_mfa_tokens_account_id_idx" ON "account_mfa_tokens"("account_id");

-- AddForeignKey
ALTER TABLE "account_totp_factors" ADD CONSTRAINT "account_totp_factors_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_mfa_tokens" ADD CONSTRAINT "account_mfa_tokens_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_mfa_lockouts" ADD CONSTRAINT "account_mfa_lockouts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
