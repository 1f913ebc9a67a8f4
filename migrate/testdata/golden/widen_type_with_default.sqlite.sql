-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_wd" ("id" INTEGER NOT NULL, "n" TEXT NOT NULL DEFAULT 5, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_wd" ("id", "n") SELECT "id", "n" FROM "ag_wd";
DROP TABLE "ag_wd";
ALTER TABLE "_ag_new_ag_wd" RENAME TO "ag_wd";
-- down
CREATE TABLE "_ag_new_ag_wd" ("id" INTEGER NOT NULL, "n" INTEGER NOT NULL DEFAULT 5, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_wd" ("id", "n") SELECT "id", "n" FROM "ag_wd";
DROP TABLE "ag_wd";
ALTER TABLE "_ag_new_ag_wd" RENAME TO "ag_wd";
