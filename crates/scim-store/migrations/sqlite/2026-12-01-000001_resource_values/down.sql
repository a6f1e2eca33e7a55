DROP TRIGGER resource_values_on_update;
DROP TRIGGER resource_values_on_insert;
DROP VIEW resource_values_of;
DROP TABLE resource_values;
