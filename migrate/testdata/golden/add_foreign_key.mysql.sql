-- up
ALTER TABLE `ag_fk_child` ADD CONSTRAINT `fk_ag_fk_child_parent_id` FOREIGN KEY (`parent_id`) REFERENCES `ag_fk_parent` (`id`);
-- down
ALTER TABLE `ag_fk_child` DROP FOREIGN KEY `fk_ag_fk_child_parent_id`;
ALTER TABLE `ag_fk_child` DROP INDEX `fk_ag_fk_child_parent_id`;
