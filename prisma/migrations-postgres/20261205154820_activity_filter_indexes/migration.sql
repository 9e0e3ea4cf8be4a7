-- CreateIndex
CREATE INDEX "audit_events_organization_id_actor_email_created_at_idx" ON "audit_events"("organization_id", "actor_email", "created_at");

-- CreateIndex
CREATE INDEX "sign_ins_organization_id_outcome_created_at_idx" ON "sign_ins"("organization_id", "outcome", "created_at");

-- CreateIndex
CREATE INDEX "sign_ins_organization_id_reason_created_at_idx" ON "sign_ins"("organization_id", "reason", "created_at");
