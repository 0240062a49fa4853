DROP FUNCTION oversight_data_version();
DROP TABLE data_epoch;
