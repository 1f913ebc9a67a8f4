-- up
ALTER TABLE "ag_ix" ADD CONSTRAINT "ag_ix_email_key" UNIQUE ("email");
-- down
ALTER TABLE "ag_ix" DROP CONSTRAINT "ag_ix_email_key";
