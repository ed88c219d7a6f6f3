-- Tombstones of deleted postings: the shared shape of Lever's deleted feeds.
{{ stg_deleted_feed('postings_deleted', 'posting_id') }}
