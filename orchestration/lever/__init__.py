"""Framework-free Lever extraction library: client, pagination, rate limit, sync engine, raw store."""
