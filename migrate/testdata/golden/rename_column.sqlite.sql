-- up
ALTER TABLE "ag_rc" RENAME COLUMN "old_name" TO "new_name";
-- down
ALTER TABLE "ag_rc" RENAME COLUMN "new_name" TO "old_name";
