-- One row per opportunity that has a parsed resume position: the most recent position of its newest resume
-- (the position with no end and the latest start, else the latest end), which feeds candidates.company/title.
-- Written as the macro int_lever__candidate_positions_sql (macros/views/): the unified tables call it for just the
-- opportunities an incremental build recomputes.

{{ int_lever__candidate_positions_sql() }}
