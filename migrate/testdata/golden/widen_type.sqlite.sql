-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_wt" ("id" INTEGER NOT NULL, "n" INTEGER NOT NULL, "s" VARCHAR(50) NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_wt" ("id", "n", "s") SELECT "id", "n", "s" FROM "ag_wt";
DROP TABLE "ag_wt";
ALTER TABLE "_ag_new_ag_wt" RENAME TO "ag_wt";
-- down
CREATE TABLE "_ag_new_ag_wt" ("id" INTEGER NOT NULL, "n" INTEGER NOT NULL, "s" VARCHAR(20) NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_wt" ("id", "n", "s") SELECT "id", "n", "s" FROM "ag_wt";
DROP TABLE "ag_wt";
ALTER TABLE "_ag_new_ag_wt" RENAME TO "ag_wt";
