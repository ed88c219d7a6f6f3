-- Tombstones of deleted opportunities: the shared shape of Lever's deleted feeds.
{{ stg_deleted_feed('opportunities_deleted', 'opportunity_id') }}
