DROP TABLE data_epoch;
