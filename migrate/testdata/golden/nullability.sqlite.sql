-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_nl" ("id" INTEGER NOT NULL, "a" INTEGER, "b" INTEGER NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_nl" ("id", "a", "b") SELECT "id", "a", "b" FROM "ag_nl";
DROP TABLE "ag_nl";
ALTER TABLE "_ag_new_ag_nl" RENAME TO "ag_nl";
-- down
CREATE TABLE "_ag_new_ag_nl" ("id" INTEGER NOT NULL, "a" INTEGER NOT NULL, "b" INTEGER, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_nl" ("id", "a", "b") SELECT "id", "a", "b" FROM "ag_nl";
DROP TABLE "ag_nl";
ALTER TABLE "_ag_new_ag_nl" RENAME TO "ag_nl";
