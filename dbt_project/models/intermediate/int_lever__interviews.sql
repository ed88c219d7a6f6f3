-- One row per interview: the staged interview and its remote_deleted_at, the earliest of its own deletion markers
-- and its opportunity's deletion (children inherit their parent's).
-- Written as the macro int_lever__interviews_sql (macros/views/): the unified tables call it for just the
-- opportunities an incremental build recomputes.

{{ int_lever__interviews_sql() }}
