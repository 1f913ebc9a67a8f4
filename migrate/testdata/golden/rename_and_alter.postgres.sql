-- up
ALTER TABLE "ag_ra_old" RENAME TO "ag_ra_new";
ALTER TABLE "ag_ra_new" RENAME COLUMN "old_n" TO "new_n";
ALTER TABLE "ag_ra_new" ADD COLUMN "added" INTEGER NOT NULL DEFAULT 3;
ALTER TABLE "ag_ra_new" ALTER COLUMN "new_n" TYPE BIGINT;
CREATE INDEX "ix_ag_ra_new_new_n" ON "ag_ra_new" ("new_n");
-- down
DROP INDEX "ix_ag_ra_new_new_n";
ALTER TABLE "ag_ra_new" ALTER COLUMN "new_n" TYPE INTEGER;
ALTER TABLE "ag_ra_new" DROP COLUMN "added";
ALTER TABLE "ag_ra_new" RENAME COLUMN "new_n" TO "old_n";
ALTER TABLE "ag_ra_new" RENAME TO "ag_ra_old";
