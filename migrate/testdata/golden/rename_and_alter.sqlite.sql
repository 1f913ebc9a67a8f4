-- athanor:foreign-keys-off
-- up
ALTER TABLE "ag_ra_old" RENAME TO "ag_ra_new";
CREATE TABLE "_ag_new_ag_ra_new" ("id" INTEGER NOT NULL, "new_n" INTEGER NOT NULL, "keep" VARCHAR(5) NOT NULL, "added" INTEGER NOT NULL DEFAULT 3, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_ra_new" ("id", "new_n", "keep") SELECT "id", "old_n", "keep" FROM "ag_ra_new";
DROP TABLE "ag_ra_new";
ALTER TABLE "_ag_new_ag_ra_new" RENAME TO "ag_ra_new";
CREATE INDEX "ix_ag_ra_new_new_n" ON "ag_ra_new" ("new_n");
-- down
CREATE TABLE "_ag_new_ag_ra_new" ("id" INTEGER NOT NULL, "old_n" INTEGER NOT NULL, "keep" VARCHAR(5) NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_ra_new" ("id", "old_n", "keep") SELECT "id", "new_n", "keep" FROM "ag_ra_new";
DROP TABLE "ag_ra_new";
ALTER TABLE "_ag_new_ag_ra_new" RENAME TO "ag_ra_new";
ALTER TABLE "ag_ra_new" RENAME TO "ag_ra_old";
