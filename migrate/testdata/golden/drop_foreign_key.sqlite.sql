-- athanor:foreign-keys-off
-- up
CREATE TABLE "_ag_new_ag_fk_child" ("id" INTEGER NOT NULL, "parent_id" INTEGER, PRIMARY KEY ("id"));
INSERT INTO "_ag_new_ag_fk_child" ("id", "parent_id") SELECT "id", "parent_id" FROM "ag_fk_child";
DROP TABLE "ag_fk_child";
ALTER TABLE "_ag_new_ag_fk_child" RENAME TO "ag_fk_child";
-- down
CREATE TABLE "_ag_new_ag_fk_child" ("id" INTEGER NOT NULL, "parent_id" INTEGER, PRIMARY KEY ("id"), CONSTRAINT "fk_ag_fk_child_parent_id" FOREIGN KEY ("parent_id") REFERENCES "ag_fk_parent" ("id"));
INSERT INTO "_ag_new_ag_fk_child" ("id", "parent_id") SELECT "id", "parent_id" FROM "ag_fk_child";
DROP TABLE "ag_fk_child";
ALTER TABLE "_ag_new_ag_fk_child" RENAME TO "ag_fk_child";
