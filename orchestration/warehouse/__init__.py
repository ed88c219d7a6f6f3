"""What happens to the warehouse after a sync, without Dagster: the dbt build, the published copy, housekeeping."""
