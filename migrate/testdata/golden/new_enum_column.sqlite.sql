-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_ne" ("id" INTEGER NOT NULL, "mood" TEXT CHECK ("mood" IN ('a', 'b')), PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_ne" ("id") SELECT "id" FROM "ag_ne";
DROP TABLE "ag_ne";
ALTER TABLE "_ag_new_ag_ne" RENAME TO "ag_ne";
-- down
CREATE TABLE "_ag_new_ag_ne" ("id" INTEGER NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_ne" ("id") SELECT "id" FROM "ag_ne";
DROP TABLE "ag_ne";
ALTER TABLE "_ag_new_ag_ne" RENAME TO "ag_ne";
