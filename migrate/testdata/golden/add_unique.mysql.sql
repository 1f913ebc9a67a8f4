-- up
ALTER TABLE `ag_ix` ADD CONSTRAINT `uq_ag_ix_org_email` UNIQUE (`org`, `email`);
-- down
ALTER TABLE `ag_ix` DROP INDEX `uq_ag_ix_org_email`;
