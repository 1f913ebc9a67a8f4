-- up
ALTER TABLE "ag_dc" DROP COLUMN "gone";
-- down
ALTER TABLE "ag_dc" ADD COLUMN "gone" VARCHAR(10);
