-- up
CREATE INDEX "ix_ag_ix_org_email" ON "ag_ix" ("org", "email");
-- down
DROP INDEX "ix_ag_ix_org_email";
