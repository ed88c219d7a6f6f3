"""The outbox through Dagster: the sensor notices requests inserted with SQL and the job carries them out."""

from __future__ import annotations

import json
import sqlite3

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.actions import ACTIONS_JOB, actions_job, actions_sensor
from tests.actions.checks import assert_all_applied
from tests.actions.conftest import World, eight_actions


def test_the_code_location_has_the_actions_job_and_its_running_sensor():
    assert defs.get_job_def(ACTIONS_JOB) is not None
    (sensor,) = [s for s in defs.sensors if s.name == "lever_actions_sensor"]
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING and sensor.job_name == ACTIONS_JOB


def test_requests_inserted_with_sql_are_carried_out_by_the_sensor_s_run(served: World):
    requests, first, second = eight_actions(served, "dagster")
    assert served.outbox.path.exists()
    instance = dg.DagsterInstance.ephemeral()
    assert isinstance(actions_sensor(dg.build_sensor_context(instance=instance)), dg.SkipReason)
    with sqlite3.connect(served.settings.outbox_path) as conn:
        conn.executemany(
            "INSERT INTO requests (idempotency_key, action, params) VALUES (?, ?, json(?))",
            [(r["idempotency_key"], r["action"], json.dumps(r["params"])) for r in requests],
        )
    request = actions_sensor(dg.build_sensor_context(instance=instance))
    assert isinstance(request, dg.RunRequest) and request.tags["lever-warehouse/requests-due"] == "8"
    assert actions_job.execute_in_process(instance=instance).success
    rows = served.outbox.results(list(range(1, 9)))
    assert_all_applied(served, requests, rows, first, second)
    assert isinstance(actions_sensor(dg.build_sensor_context(instance=instance)), dg.SkipReason)
