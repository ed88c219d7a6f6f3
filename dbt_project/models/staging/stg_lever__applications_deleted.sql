-- Tombstones of deleted applications: the shared shape of Lever's deleted feeds.
{{ stg_deleted_feed('applications_deleted', 'application_id') }}
