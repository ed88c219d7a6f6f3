"""The text of `lever-warehouse --help`: what each command does and the environment it reads."""

ENVIRONMENT = """\
environment (see README.md, Configuration):
  LEVER_API_KEY                 Lever API key; unset (and no OAuth): the built-in sandbox is synced
  LEVER_OAUTH_CLIENT_ID, LEVER_OAUTH_CLIENT_SECRET, LEVER_OAUTH_REFRESH_TOKEN
                                OAuth instead of a key (all three); LEVER_OAUTH_TOKEN_URL to override
  LEVER_BASE_URL                default https://api.lever.co/v1 (EU: https://api.eu.lever.co/v1)
  LEVER_INTEGRATION_ID          stable account id, part of every warehouse id (lever:default, lever:sandbox)
  LEVER_INTEGRATIONS_FILE       TOML file listing several accounts (overrides the variables above)
  LEVER_RATE_LIMIT, LEVER_BURST, LEVER_CONCURRENCY   10, 20, 16
  LEVER_REQUEST_TIMEOUT, LEVER_MAX_RETRIES, LEVER_OVERLAP_SECONDS   30, 8, 300
  LEVER_SYNC_MEMORY_LIMIT       DuckDB memory cap of a sync (default 160MB; 0: none)
  LEVER_DAILY_BUDGET, LEVER_DAILY_BUDGET_SHARE, LEVER_VERIFY_DAYS, LEVER_RUN_MINUTES,
  LEVER_FIRST_USABLE_MINUTES, LEVER_MAX_RUN_HOURS, LEVER_CLOCK_TOLERANCE_SECONDS,
  LEVER_SKIP_UNREFERRED_REFERRALS
                                a sync's request budget, rolling verification and ceilings (README)
  LEVER_SANDBOX_SEED, LEVER_SANDBOX_OPPORTUNITIES   the built-in sandbox account
  LEVER_DBT_THREADS, LEVER_DBT_VIEW_TESTS           dbt threads (4); also test the intermediate views
  LEVER_PERFORM_AS              user write actions act as by default (else the job's owner)
  LEVER_ACTIONS_PATH            the outbox of write actions (default data/actions.sqlite)
  LEVER_ATTACHMENT_MAX_MB       largest attachment a write action sends (10)
  DUCKDB_PATH                   the private warehouse (default data/warehouse.duckdb)
  DUCKDB_PUBLISHED_PATH         the read-only copy for SQL users (default data/published/warehouse.duckdb)
  DUCKDB_LOCK_TIMEOUT           seconds to wait for another writer (120)
  WAREHOUSE_NOW                 pin the warehouse clock (ISO-8601)
"""

COMMANDS = {
    "sync": (
        "extract Lever into the lever_raw tables",
        "Delta sync of every configured account: what changed since the last sync (--full: everything; --window: "
        "a date range; --opportunity: named opportunities now). Progress goes to stderr (every 10 seconds when it "
        "is not a terminal), then a summary per account.",
    ),
    "run": (
        "sync, then build and publish the unified schema",
        "A sync (as `sync`), then the dbt build and the published copy (as `build`).",
    ),
    "build": (
        "dbt build of the unified schema, then publish it for SQL users",
        "Runs dbt (models and data tests) on the warehouse, then copies the unified schema (ats) to the published "
        "file that SQL users and BI tools open, and prints rows per table. Warns when the warehouse is missing or "
        "holds no sync.",
    ),
    "sql": (
        "query the published warehouse (read-only)",
        "Runs QUERY, or the statements piped on stdin, or an interactive prompt, against the published copy. "
        "It never blocks a sync, and a sync never blocks it.",
    ),
}
