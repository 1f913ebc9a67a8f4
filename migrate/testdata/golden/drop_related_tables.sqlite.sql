-- up
DROP TABLE "ag_fk_child";
DROP TABLE "ag_fk_parent";
-- down
CREATE TABLE "ag_fk_parent" ("id" INTEGER NOT NULL, PRIMARY KEY ("id"));
CREATE TABLE "ag_fk_child" ("id" INTEGER NOT NULL, "parent_id" INTEGER, PRIMARY KEY ("id"), CONSTRAINT "fk_ag_fk_child_parent_id" FOREIGN KEY ("parent_id") REFERENCES "ag_fk_parent" ("id"));
