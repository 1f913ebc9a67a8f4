-- up
ALTER TABLE `ag_rt_old` RENAME TO `ag_rt_new`;
-- down
ALTER TABLE `ag_rt_new` RENAME TO `ag_rt_old`;
