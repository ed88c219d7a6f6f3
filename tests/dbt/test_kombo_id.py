"""The dbt id macro and its Python twin produce the same ids (unified-schema.md §1.3)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.kombo_ids import unified_id

from .dbt_helpers import compile_inline

CASES = [
    ("lever:acme", "candidates", "6408dc54-0000-4e5b-8d60-23afff2b1efc"),
    ("lever:acme", "applications", "6408dc54-0000-4e5b-8d60-23afff2b1efc"),
    ("lever:sandbox", "tags", "Zürich 🚀 東京"),
    ("lever:sandbox", "candidate_tags", "6408dc54-0000-4e5b-8d60-23afff2b1efc:O'Brien's team"),
    ("lever:eu.customer_1", "screening_question_options", "eeo:gender:Décliner de répondre"),
    ("lever:sandbox", "application_stage_changes", "opp:stage:0"),
    ("lever:sandbox", "users", ""),
]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_macro_matches_the_fixed_vector_and_the_python_twin(tmp_path: Path) -> None:
    rows = ", ".join(f"({i}, {_literal(a)}, {_literal(b)}, {_literal(c)})" for i, (a, b, c) in enumerate(CASES))
    # the model name is a literal in the macro, so one compiled expression per distinct model
    selects = " union all ".join(
        f"select position, {{{{ kombo_id('integration_id', '{model}', 'remote_key') }}}} as id "
        f"from inputs where model = '{model}'"
        for model in sorted({case[1] for case in CASES})
    )
    sql = f"with inputs(position, integration_id, model, remote_key) as (values {rows}) {selects}"
    compiled = compile_inline(sql, tmp_path / "unused.duckdb", tmp_path)

    ids = dict(duckdb.connect().execute(compiled).fetchall())

    assert ids[0] == "dTm6KE663LQXBvroa6U4RcNA"
    assert [ids[i] for i in range(len(CASES))] == [unified_id(*case) for case in CASES]
    assert all(len(value) == 24 for value in ids.values())
    assert ids[0] != ids[1], "candidates and applications share the remote key but not the id"
