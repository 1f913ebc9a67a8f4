-- up
ALTER TABLE `ag_cm` MODIFY COLUMN `note` VARCHAR(40) NOT NULL COMMENT 'what it''s for';
ALTER TABLE `ag_cm` COMMENT = 'commented table';
-- down
ALTER TABLE `ag_cm` COMMENT = '';
ALTER TABLE `ag_cm` MODIFY COLUMN `note` VARCHAR(40) NOT NULL;
