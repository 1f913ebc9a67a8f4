-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_nt" ("id" INTEGER NOT NULL, "code" INTEGER NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_nt" ("id", "code") SELECT "id", "code" FROM "ag_nt";
DROP TABLE "ag_nt";
ALTER TABLE "_ag_new_ag_nt" RENAME TO "ag_nt";
-- down
CREATE TABLE "_ag_new_ag_nt" ("id" INTEGER NOT NULL, "code" VARCHAR(10) NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_nt" ("id", "code") SELECT "id", "code" FROM "ag_nt";
DROP TABLE "ag_nt";
ALTER TABLE "_ag_new_ag_nt" RENAME TO "ag_nt";
