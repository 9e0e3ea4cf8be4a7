-- CreateTable
CREATE TABLE "audit_events" (
    "id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "actor_email" TEXT,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "ip" TEXT,
    "user_agent" TEXT,
    "request_id" TEXT,
    "changes" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sign_ins" (
    "id" TEXT NOT NULL,
    "organization_id" TEXT NOT NULL,
    "flow" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "user_id" TEXT,
    "email" TEXT,
    "service_id" TEXT,
    "binding" TEXT,
    "authn_context" TEXT,
    "ip" TEXT,
    "user_agent" TEXT,
    "request_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "sign_ins_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_events_organization_id_created_at_id_idx" ON "audit_events"("organization_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "audit_events_organization_id_action_created_at_idx" ON "audit_events"("organization_id", "action", "created_at");

-- CreateIndex
CREATE INDEX "audit_events_organization_id_actor_id_created_at_idx" ON "audit_events"("organization_id", "actor_id", "created_at");

-- CreateIndex
CREATE INDEX "audit_events_created_at_idx" ON "audit_events"("created_at");

-- CreateIndex
CREATE INDEX "sign_ins_organization_id_created_at_id_idx" ON "sign_ins"("organization_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "sign_ins_organization_id_request_id_idx" ON "sign_ins"("organization_id", "request_id");

-- CreateIndex
CREATE INDEX "sign_ins_organization_id_user_id_created_at_idx" ON "sign_ins"("organization_id", "user_id", "created_at");

-- CreateIndex
CREATE INDEX "sign_ins_organization_id_service_id_created_at_idx" ON "sign_ins"("organization_id", "service_id", "created_at");

-- CreateIndex
CREATE INDEX "sign_ins_created_at_idx" ON "sign_ins"("created_at");
