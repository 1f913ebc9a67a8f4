-- up
ALTER TABLE `ag_ix` ADD CONSTRAINT `email` UNIQUE (`email`);
-- down
ALTER TABLE `ag_ix` DROP INDEX `email`;
