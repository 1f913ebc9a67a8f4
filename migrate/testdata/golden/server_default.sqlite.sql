-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_sd" ("id" INTEGER NOT NULL, "a" INTEGER NOT NULL DEFAULT 2, "b" VARCHAR(10) NOT NULL DEFAULT 'new', "c" VARCHAR(10) NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_sd" ("id", "a", "b", "c") SELECT "id", "a", "b", "c" FROM "ag_sd";
DROP TABLE "ag_sd";
ALTER TABLE "_ag_new_ag_sd" RENAME TO "ag_sd";
-- down
CREATE TABLE "_ag_new_ag_sd" ("id" INTEGER NOT NULL, "a" INTEGER NOT NULL DEFAULT 1, "b" VARCHAR(10) NOT NULL, "c" VARCHAR(10) NOT NULL DEFAULT 'x', PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_sd" ("id", "a", "b", "c") SELECT "id", "a", "b", "c" FROM "ag_sd";
DROP TABLE "ag_sd";
ALTER TABLE "_ag_new_ag_sd" RENAME TO "ag_sd";
