-- up
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE "_ag_new_ag_nt" ("id" INTEGER NOT NULL, "code" INTEGER NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_nt" ("id", "code") SELECT "id", "code" FROM "ag_nt";
DROP TABLE "ag_nt";
ALTER TABLE "_ag_new_ag_nt" RENAME TO "ag_nt";
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
-- down
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE "_ag_new_ag_nt" ("id" INTEGER NOT NULL, "code" VARCHAR(10) NOT NULL, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_nt" ("id", "code") SELECT "id", "code" FROM "ag_nt";
DROP TABLE "ag_nt";
ALTER TABLE "_ag_new_ag_nt" RENAME TO "ag_nt";
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
