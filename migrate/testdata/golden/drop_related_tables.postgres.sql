-- up
DROP TABLE "ag_fk_child";
DROP TABLE "ag_fk_parent";
-- down
CREATE TABLE "ag_fk_parent" ("id" BIGINT NOT NULL, PRIMARY KEY ("id"));
CREATE TABLE "ag_fk_child" ("id" BIGINT NOT NULL, "parent_id" BIGINT, PRIMARY KEY ("id"), CONSTRAINT "fk_ag_fk_child_parent_id" FOREIGN KEY ("parent_id") REFERENCES "ag_fk_parent" ("id"));
