-- up
DROP TABLE "ag_fk_child";
-- down
CREATE TABLE "ag_fk_child" ("id" INTEGER NOT NULL, "parent_id" INTEGER, PRIMARY KEY ("id"));
