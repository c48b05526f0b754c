-- Temporal's auto-setup creates its own databases (temporal, temporal_visibility) with this role.
ALTER ROLE archiver CREATEDB;
