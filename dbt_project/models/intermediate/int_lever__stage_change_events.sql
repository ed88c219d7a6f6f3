-- One row per stage an opportunity entered (its stageChanges, in list order: ties in time happen) plus one row
-- for its current archive event, as Lever shows them now. Archive events seen in earlier builds but no longer
-- current (unarchived since) are added back by application_stage_changes, which keeps them.
-- Written as the macro int_lever__stage_change_events_sql (macros/views/): the unified tables call it for just the
-- opportunities an incremental build recomputes.

{{ int_lever__stage_change_events_sql() }}
