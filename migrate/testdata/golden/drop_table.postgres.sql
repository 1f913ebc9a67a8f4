-- up
DROP TABLE "ag_fk_child";
-- down
CREATE TABLE "ag_fk_child" ("id" BIGINT NOT NULL, "parent_id" BIGINT, PRIMARY KEY ("id"));
