-- up
ALTER TABLE `ag_en` MODIFY COLUMN `mood` ENUM('sad', 'happy') NOT NULL;
-- down
ALTER TABLE `ag_en` MODIFY COLUMN `mood` ENUM('sad', 'ok', 'happy') NOT NULL;
