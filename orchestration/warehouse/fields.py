"""`lever-warehouse fields`: the source fields a field mapping can use, as found in the warehouse, per model.

Each row is a source field named the way a mapping names it (`requisition.costCenter`, `profile_form.Languages`,
field_mapping.py), where it comes from, its JSON type(s), how many records have a value, and two example values.
It reads the raw tables (custom data never reaches the published copy unmapped) on a read-only connection.

Examples are masked where they may be personal data: on candidates, applications and offers (records about a
person) only option values (yes-no, dropdowns, multi-selects) and the standard fields of `_SHOWN` appear as they
are; on jobs only text of a known person-free shape. Everything else shows its first character and its length.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, TextIO

import duckdb

from orchestration.lever.config import Settings
from orchestration.lever.errors import ConfigError
from orchestration.lever.field_mapping import MODELS, NAMESPACES
from orchestration.lever.warehouse import connect

_LIVE = "deleted_at IS NULL AND missing_since IS NULL AND payload IS NOT NULL AND integration_id = $integration"


def _standard(table: str) -> str:
    """A record's standard fields, one level into objects too (`categories.team`), as mappings name them."""
    return f"""
        WITH top AS (SELECT id, k, payload -> ('$."' || k || '"') AS v
                     FROM (SELECT id, payload, unnest(json_keys(payload)) AS k FROM lever_raw.{table} WHERE {_LIVE}))
        SELECT id AS record, k AS key, v AS value, NULL AS field_type FROM top
        UNION ALL
        SELECT id, k || '.' || k2, v -> ('$."' || k2 || '"'), NULL
        FROM (SELECT id, k, v, unnest(json_keys(v)) AS k2 FROM top WHERE json_type(v) = 'OBJECT')"""


# (record, key, value JSON, Lever's field type or NULL) per field occurrence, by mapping namespace.
_QUERIES = {
    "posting": _standard("postings"),
    "requisition": f"""
        SELECT r.id AS record, k AS key, r.payload -> '$.customFields' -> ('$."' || k || '"') AS value,
               any_value(f.payload ->> '$.type') AS field_type
        FROM (SELECT id, payload, unnest(json_keys(payload -> '$.customFields')) AS k
              FROM lever_raw.requisitions WHERE {_LIVE}) AS r
        LEFT JOIN lever_raw.requisition_fields AS f ON f.id = k AND f.integration_id = $integration
        GROUP BY ALL""",
    "opportunity": _standard("opportunities"),
    "profile_form": f"""
        SELECT parent_id AS record, f ->> '$.text' AS key, f -> '$.value' AS value, f ->> '$.type' AS field_type
        FROM (SELECT parent_id, unnest(json_extract(payload, '$.fields[*]')) AS f FROM lever_raw.forms
              WHERE {_LIVE})""",
    "application": _standard("applications"),
    "application_question": f"""
        SELECT id AS record, f ->> '$.text' AS key, f -> '$.value' AS value, f ->> '$.type' AS field_type
        FROM (SELECT id, unnest(json_extract(payload, '$.customQuestions[*].fields[*]')) AS f
              FROM lever_raw.applications WHERE {_LIVE})""",
    "offer": f"""
        SELECT id AS record, f ->> '$.identifier' AS key, f -> '$.value' AS value, NULL AS field_type
        FROM (SELECT id, unnest(json_extract(payload, '$.fields[*]')) AS f FROM lever_raw.offers WHERE {_LIVE})""",
}
_TABLES = {"posting": "postings", "requisition": "requisitions", "opportunity": "opportunities",
           "profile_form": "forms", "application": "applications", "application_question": "applications",
           "offer": "offers"}  # fmt: skip
_ORIGINS = {
    "posting": "posting field",
    "requisition": "requisition custom field",
    "opportunity": "opportunity field",
    "profile_form": "profile form field",
    "application": "application field",
    "application_question": "application question",
    "offer": "offer field",
}
_JSON_TYPES = {"VARCHAR": "string", "UBIGINT": "number", "BIGINT": "number", "DOUBLE": "number"}
_OPTION_TYPES = {"yes-no", "dropdown", "multiple-choice", "multiple-select", "score-system", "score"}
# Standard fields of a person's records whose values say nothing about who the person is.
_SHOWN = {
    "opportunity": {"stage", "confidentiality", "origin", "sources", "tags", "createdAt", "updatedAt", "archived",
                    "lastInteractionAt", "lastAdvancedAt", "snoozedUntil", "isAnonymized", "owner", "sourcedBy"},
    "application": {"type", "posting", "postingOwner", "postingHiringManager", "user", "createdAt", "archived"},
}  # fmt: skip
# Person-free standard fields of jobs (a posting's own texts); requisition custom fields may name people.
_PERSON_FREE = {"posting"}


@dataclass(frozen=True)
class Field:
    key: str
    origin: str
    type: str
    count: int
    examples: tuple[str, ...]


def explore(conn: duckdb.DuckDBPyConnection, integration_id: str, model: str) -> list[Field]:
    """Every source field of `model` found in the warehouse for one integration, most common first."""
    fields: list[Field] = []
    tables = {row[0] for row in conn.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'lever_raw'")
              .fetchall()}  # fmt: skip
    for namespace, kind in NAMESPACES[model].items():
        if _TABLES[namespace] not in tables:  # a warehouse last synced before that table existed
            continue
        rows = conn.execute(
            f"""
            WITH occurrences AS ({_QUERIES[namespace]})
            SELECT key, string_agg(DISTINCT json_type(value), '|' ORDER BY json_type(value)),
                   count(DISTINCT record) FILTER (WHERE json_type(value) <> 'NULL'),
                   any_value(field_type), list(DISTINCT value::VARCHAR) FILTER (WHERE json_type(value) <> 'NULL')[:2]
            FROM occurrences WHERE key IS NOT NULL GROUP BY key ORDER BY 3 DESC, key
            """,
            {"integration": integration_id},
        ).fetchall()
        for key, types, count, field_type, examples in rows:
            shown = _show(model, namespace, key, field_type)
            fields.append(
                Field(
                    key=f"{namespace}.{key}",
                    origin=f"{_ORIGINS[namespace]} ({kind})",
                    type=field_type or "|".join(dict.fromkeys(_JSON_TYPES.get(t, t.lower()) for t in types.split("|"))),
                    count=int(count),
                    examples=tuple(e if shown else mask(e) for e in examples or ()),
                )
            )
    return fields


def _show(model: str, namespace: str, key: str, field_type: str | None) -> bool:
    if field_type in _OPTION_TYPES:
        return True
    if model == "jobs":
        return namespace in _PERSON_FREE
    return key.split(".")[0] in _SHOWN.get(namespace, ())


def mask(value: str) -> str:
    """The first character of a JSON value's text and its length: enough to tell fields apart, not people."""
    text = value
    try:
        decoded: Any = json.loads(value)
        text = decoded if isinstance(decoded, str) else value
    except ValueError:
        pass
    return f"{text[:1]}*** ({len(text)} chars)" if text else ""


def render(fields: list[Field], model: str, integration_id: str) -> str:
    if not fields:
        return f"{integration_id} {model}: no source fields in the warehouse yet (run a sync first)"
    header = ("key", "origin", "type", "count", "examples")
    rows = [(f.key, f.origin, f.type, str(f.count), " | ".join(_short(e) for e in f.examples)) for f in fields]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    lines = [f"{integration_id} {model}: {len(fields)} source fields"]
    for row in [header, *rows]:
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4])
    return "\n".join(lines)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fields_main(settings: Settings, model: str | None, integration: str | None, *, out: TextIO = sys.stdout) -> int:
    chosen = [settings.integration(integration)] if integration else list(settings.integrations)
    if not settings.duckdb_path.exists():
        raise ConfigError(f"no warehouse at {settings.duckdb_path} yet: run `lever-warehouse sync` first")
    conn = connect(settings.duckdb_path, read_only=True)
    try:
        for item in chosen:
            for name in [model] if model else MODELS:
                out.write(render(explore(conn, item.id, name), name, item.id) + "\n\n")
    finally:
        conn.close()
    return 0
