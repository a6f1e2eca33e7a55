DROP INDEX resources_data_ci;
