-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_en" ("id" INTEGER NOT NULL, "mood" TEXT CHECK ("mood" IN ('sad', 'ok', 'happy', 'glad')) NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_en" ("id", "mood") SELECT "id", "mood" FROM "ag_en";
DROP TABLE "ag_en";
ALTER TABLE "_ag_new_ag_en" RENAME TO "ag_en";
-- down
CREATE TABLE "_ag_new_ag_en" ("id" INTEGER NOT NULL, "mood" TEXT CHECK ("mood" IN ('sad', 'happy')) NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_en" ("id", "mood") SELECT "id", "mood" FROM "ag_en";
DROP TABLE "ag_en";
ALTER TABLE "_ag_new_ag_en" RENAME TO "ag_en";
