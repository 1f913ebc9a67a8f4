-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_ck" ("id" INTEGER NOT NULL, "qty" INTEGER NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "ck_ag_ck_qty" CHECK (qty >= 0));
INSERT INTO "_ag_new_ag_ck" ("id", "qty") SELECT "id", "qty" FROM "ag_ck";
DROP TABLE "ag_ck";
ALTER TABLE "_ag_new_ag_ck" RENAME TO "ag_ck";
-- down
CREATE TABLE "_ag_new_ag_ck" ("id" INTEGER NOT NULL, "qty" INTEGER NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_ck" ("id", "qty") SELECT "id", "qty" FROM "ag_ck";
DROP TABLE "ag_ck";
ALTER TABLE "_ag_new_ag_ck" RENAME TO "ag_ck";
