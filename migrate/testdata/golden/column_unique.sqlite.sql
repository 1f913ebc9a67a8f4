-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_ix" ("id" INTEGER NOT NULL, "email" VARCHAR(100) NOT NULL UNIQUE, "org" INTEGER NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_ix" ("id", "email", "org") SELECT "id", "email", "org" FROM "ag_ix";
DROP TABLE "ag_ix";
ALTER TABLE "_ag_new_ag_ix" RENAME TO "ag_ix";
-- down
CREATE TABLE "_ag_new_ag_ix" ("id" INTEGER NOT NULL, "email" VARCHAR(100) NOT NULL, "org" INTEGER NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_ix" ("id", "email", "org") SELECT "id", "email", "org" FROM "ag_ix";
DROP TABLE "ag_ix";
ALTER TABLE "_ag_new_ag_ix" RENAME TO "ag_ix";
