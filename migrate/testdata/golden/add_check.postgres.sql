-- up
ALTER TABLE "ag_ck" ADD CONSTRAINT "ck_ag_ck_qty" CHECK (qty >= 0);
-- down
ALTER TABLE "ag_ck" DROP CONSTRAINT "ck_ag_ck_qty";
