-- CreateTable
CREATE TABLE "service_list_changes" (
    "service_id" TEXT NOT NULL,
    "list" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "version" BIGINT NOT NULL,
    "low_created_at" DATETIME NOT NULL,
    "low_id" TEXT NOT NULL,
    "high_created_at" DATETIME NOT NULL,
    "high_id" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,
    "changed_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("service_id", "list", "status", "version")
);
