"""The code location carries the actions job and its sensor (test_outbox_sql runs them on the README's SQL)."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.actions import ACTIONS_JOB


def test_the_code_location_has_the_actions_job_and_its_running_sensor():
    assert defs.get_job_def(ACTIONS_JOB) is not None
    (sensor,) = [s for s in defs.sensors if s.name == "lever_actions_sensor"]
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING and sensor.job_name == ACTIONS_JOB
