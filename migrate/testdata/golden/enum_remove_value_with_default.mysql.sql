-- up
ALTER TABLE `ag_ed` MODIFY COLUMN `mood` ENUM('sad', 'happy') NOT NULL DEFAULT 'sad';
-- down
ALTER TABLE `ag_ed` MODIFY COLUMN `mood` ENUM('sad', 'ok', 'happy') NOT NULL DEFAULT 'sad';
