DROP TABLE event_members;
