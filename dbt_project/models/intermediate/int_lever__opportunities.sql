-- One row per opportunity: the staged opportunity with its current application, its archive reason, the
-- unified outcome and its deletion time, i.e. everything candidates, applications and their children share.
-- Written as the macro int_lever__opportunities_sql (macros/views/): the unified tables call it for just the
-- opportunities an incremental build recomputes.

{{ int_lever__opportunities_sql() }}
