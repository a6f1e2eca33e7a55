DROP TRIGGER resource_values_on_update;

CREATE TRIGGER resource_values_on_update AFTER UPDATE OF data_ci ON resources
WHEN NEW.data_ci IS NOT OLD.data_ci
BEGIN
    DELETE FROM resource_values WHERE seq = OLD.seq;
    INSERT INTO resource_values (seq, attribute, value, tenant_id, resource_type)
    SELECT DISTINCT seq, attribute, value, tenant_id, resource_type FROM resource_values_of
    WHERE seq = NEW.seq;
END;
