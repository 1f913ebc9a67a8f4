-- up
ALTER TABLE `ag_ne` ADD COLUMN `mood` ENUM('a', 'b');
-- down
ALTER TABLE `ag_ne` DROP COLUMN `mood`;
