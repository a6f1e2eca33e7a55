-- Filters that pin values (`userType eq "Employee"`, `emails[type eq "work" and value eq ...]`)
-- put a containment test (`data_ci @> '{"userType": "employee"}'`) in front of their exact
-- condition; this index answers it, so such a filter reads the rows that contain the values
-- instead of every row of the tenant. jsonb_path_ops indexes one hash per path to a value:
-- smaller and faster than the default operator class, and containment is all it is used for.
CREATE INDEX resources_data_ci ON resources USING GIN (data_ci jsonb_path_ops);
