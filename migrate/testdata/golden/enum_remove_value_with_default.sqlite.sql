-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_ed" ("id" INTEGER NOT NULL, "mood" TEXT CHECK ("mood" IN ('sad', 'happy')) NOT NULL DEFAULT 'sad', PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_ed" ("id", "mood") SELECT "id", "mood" FROM "ag_ed";
DROP TABLE "ag_ed";
ALTER TABLE "_ag_new_ag_ed" RENAME TO "ag_ed";
-- down
CREATE TABLE "_ag_new_ag_ed" ("id" INTEGER NOT NULL, "mood" TEXT CHECK ("mood" IN ('sad', 'ok', 'happy')) NOT NULL DEFAULT 'sad', PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_ed" ("id", "mood") SELECT "id", "mood" FROM "ag_ed";
DROP TABLE "ag_ed";
ALTER TABLE "_ag_new_ag_ed" RENAME TO "ag_ed";
