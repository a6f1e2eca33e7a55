-- An update of a document now changes only the rows of resource_values whose values changed.
-- The trigger used to delete the row's values and insert them again on every change of
-- data_ci, so that a deactivation, which changes no value in an array, rewrote the table's
-- leaf for the row and the index leaf of each of its values: pages scattered over the file,
-- read and written by every PATCH of a large tenant (docs/benchmarks.md, "Writes on a large
-- tenant"). Values that stay are now left in place (INSERT OR IGNORE meets them in the
-- primary key), and only values that went are deleted.
DROP TRIGGER resource_values_on_update;

CREATE TRIGGER resource_values_on_update AFTER UPDATE OF data_ci ON resources
WHEN NEW.data_ci IS NOT OLD.data_ci
BEGIN
    DELETE FROM resource_values WHERE seq = OLD.seq AND (attribute, value) NOT IN
        (SELECT attribute, value FROM resource_values_of WHERE seq = NEW.seq);
    INSERT OR IGNORE INTO resource_values (seq, attribute, value, tenant_id, resource_type)
    SELECT DISTINCT seq, attribute, value, tenant_id, resource_type FROM resource_values_of
    WHERE seq = NEW.seq;
END;
