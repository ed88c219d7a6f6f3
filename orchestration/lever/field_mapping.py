"""Field mapping (unified-schema.md §1.9): per integration and model, `custom_fields` keys mapped to one Lever
source field each, with a typed conversion, and source fields passed through as `integration_fields`.

Read from a YAML file (`LEVER_FIELD_MAPPINGS`, or `field_mappings` in the integrations file) when the settings
load, so a bad mapping stops everything before a sync starts, with one line naming the integration and the key.
The checked mapping becomes a dbt var (`as_dbt_var`) that the models compile into SQL: no per-row Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

MODELS = ("jobs", "candidates", "applications", "offers")
# `json` keeps the source's own JSON type (Kombo: "values keep their source type unless a conversion is set").
TYPES = ("json", "text", "number", "date", "boolean", "list")
DEFAULT, CUSTOM = "DEFAULT", "CUSTOM"

# Where a model's values come from: namespace -> integration_fields type. DEFAULT namespaces are a Lever
# record's standard fields (a dotted path into it); CUSTOM ones are fields the customer created, by name:
# requisition custom fields by their `/requisition_fields` id, profile form and application question fields
# by their text, offer fields by their identifier.
NAMESPACES: dict[str, dict[str, str]] = {
    "jobs": {"posting": DEFAULT, "requisition": CUSTOM},
    "candidates": {"opportunity": DEFAULT, "profile_form": CUSTOM},
    "applications": {"application": DEFAULT, "application_question": CUSTOM},
    "offers": {"offer": CUSTOM},
}
# Profile forms are read only when something needs them (endpoints.OPTIONAL): these namespaces do.
NEEDS_FORMS = frozenset({"profile_form"})

# Standard fields with their JSON shape (lever-api.md §7): an unknown first segment is a typo, and the shape
# decides which conversions can ever succeed. Paths below an object field are not checked further.
_TEXT, _NUMBER, _DATE, _BOOL, _LIST, _OBJECT = "text", "number", "date", "boolean", "list", "object"
STANDARD: dict[str, dict[str, str]] = {
    "posting": {
        "id": _TEXT, "text": _TEXT, "state": _TEXT, "distributionChannels": _LIST, "confidentiality": _TEXT,
        "user": _TEXT, "owner": _TEXT, "hiringManager": _TEXT, "categories": _OBJECT, "categories.team": _TEXT,
        "categories.department": _TEXT, "categories.location": _TEXT, "categories.commitment": _TEXT,
        "categories.level": _TEXT, "categories.allLocations": _LIST, "tags": _LIST, "content": _OBJECT,
        "country": _TEXT, "followers": _LIST, "reqCode": _TEXT, "requisitionCodes": _LIST,
        "salaryDescription": _TEXT, "salaryRange": _OBJECT, "salaryRange.min": _NUMBER, "salaryRange.max": _NUMBER,
        "salaryRange.currency": _TEXT, "salaryRange.interval": _TEXT, "urls": _OBJECT, "workplaceType": _TEXT,
        "createdAt": _DATE, "updatedAt": _DATE, "salaryDescriptionHtml": _TEXT, "screening": _OBJECT,
        "transcribeInterviews": _BOOL,
    },
    "opportunity": {
        "id": _TEXT, "name": _TEXT, "headline": _TEXT, "contact": _TEXT, "stage": _TEXT, "confidentiality": _TEXT,
        "location": _TEXT, "phones": _LIST, "emails": _LIST, "links": _LIST, "archived": _OBJECT,
        "archived.reason": _TEXT, "archived.archivedAt": _DATE, "tags": _LIST, "sources": _LIST, "origin": _TEXT,
        "sourcedBy": _TEXT, "owner": _TEXT, "followers": _LIST, "applications": _LIST, "createdAt": _DATE,
        "updatedAt": _DATE, "lastInteractionAt": _DATE, "lastAdvancedAt": _DATE, "snoozedUntil": _DATE,
        "isAnonymized": _BOOL, "dataProtection": _OBJECT, "urls": _OBJECT, "stageChanges": _LIST,
        "opportunityLocation": _TEXT,
    },
    "application": {
        "id": _TEXT, "type": _TEXT, "posting": _TEXT, "postingOwner": _TEXT, "postingHiringManager": _TEXT,
        "user": _TEXT, "name": _TEXT, "email": _TEXT, "phone": _OBJECT, "company": _TEXT, "links": _LIST,
        "comments": _TEXT, "createdAt": _DATE, "archived": _OBJECT, "requisitionForHire": _OBJECT,
        "customQuestions": _LIST, "candidateId": _TEXT, "opportunityId": _TEXT, "ipAddress": _TEXT,
        "userAgent": _TEXT, "acceptLanguage": _TEXT, "referer": _TEXT, "timezone": _TEXT,
    },
}  # fmt: skip
# Conversions that can never succeed from a source of this shape (anything else may, value by value).
_IMPOSSIBLE = {
    _OBJECT: {"number", "date", "boolean", "list"},
    _LIST: {"number", "date", "boolean"},
    _BOOL: {"date", "list"},
    _DATE: {"boolean"},
    _NUMBER: {"boolean"},
}
_OPTIONS = {"source", "type", "default"}


@dataclass(frozen=True)
class Source:
    namespace: str
    name: str  # a dotted path for DEFAULT namespaces, the field's id, text or identifier for CUSTOM ones

    @property
    def text(self) -> str:
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True)
class CustomField:
    key: str
    source: Source
    type: str = "json"
    default: Any = None


@dataclass(frozen=True)
class ModelMapping:
    custom_fields: tuple[CustomField, ...] = ()
    integration_fields: tuple[Source, ...] = ()

    @property
    def sources(self) -> list[Source]:
        return [field.source for field in self.custom_fields] + list(self.integration_fields)


@dataclass(frozen=True)
class IntegrationMapping:
    models: Mapping[str, ModelMapping]

    @property
    def needs_profile_forms(self) -> bool:
        return any(s.namespace in NEEDS_FORMS for m in self.models.values() for s in m.sources)


class _Keys(dict):
    """A YAML mapping that remembers keys it held twice (PyYAML silently keeps the last of two equal keys, and a
    mapping must say which one it means); reported where the integration and model are known."""

    duplicates: tuple = ()


class _Loader(yaml.SafeLoader):
    pass


def _construct(loader: _Loader, node: yaml.MappingNode) -> _Keys:
    pairs = [(loader.construct_object(k, deep=True), loader.construct_object(v, deep=True)) for k, v in node.value]
    result = _Keys(pairs)
    keys = [key for key, _ in pairs]
    result.duplicates = tuple(dict.fromkeys(key for key in keys if keys.count(key) > 1))
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct)


def _no_duplicates(value: Any, where: str) -> None:
    if isinstance(value, _Keys) and value.duplicates:
        raise ConfigError(f"{where}.{value.duplicates[0]}: duplicate key")


def load_mappings(path: Path, integration_ids: Iterable[str]) -> dict[str, IntegrationMapping]:
    """The checked mappings of `path` by integration id; a ConfigError (one line) on anything wrong."""
    try:
        document = yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read field mappings {path}: {' '.join(str(exc).split())}") from None
    return parse_mappings(document or {}, set(integration_ids), str(path))


def parse_mappings(document: Any, integration_ids: set[str], where: str) -> dict[str, IntegrationMapping]:
    if not isinstance(document, dict):
        raise ConfigError(f"field mappings {where}: expected integration ids as top-level keys")
    if isinstance(document, _Keys) and document.duplicates:
        raise ConfigError(f"field mappings {where}: integration {document.duplicates[0]}: listed twice")
    result = {}
    for integration_id, models in document.items():
        prefix = f"field mappings {where}: integration {integration_id}"
        _no_duplicates(models, prefix + ", model")
        if integration_id not in integration_ids:
            known = ", ".join(sorted(integration_ids))
            raise ConfigError(f"{prefix}: not a configured integration (configured: {known})")
        if not isinstance(models, dict):
            raise ConfigError(f"{prefix}: expected models ({', '.join(MODELS)}) as keys")
        parsed = {}
        for model, body in models.items():
            if model not in MODELS:
                raise ConfigError(f"{prefix}, {model}: unknown model (one of {', '.join(MODELS)})")
            _no_duplicates(body, f"{prefix}, {model}")
            parsed[model] = _model(body or {}, model, f"{prefix}, {model}")
        result[str(integration_id)] = IntegrationMapping(parsed)
    return result


def _model(body: Any, model: str, prefix: str) -> ModelMapping:
    if not isinstance(body, dict) or set(body) - {"custom_fields", "integration_fields"}:
        raise ConfigError(f"{prefix}: expected only custom_fields and integration_fields")
    fields = []
    _no_duplicates(body.get("custom_fields"), f"{prefix}.custom_fields")
    for key, spec in (body.get("custom_fields") or {}).items():
        fields.append(_custom_field(str(key), spec, model, f"{prefix}.custom_fields.{key}"))
    passed: list[Source] = []
    entries = body.get("integration_fields") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{prefix}.integration_fields: expected a list of source fields")
    for entry in entries:
        source = _source(entry, model, f"{prefix}.integration_fields.{entry}")
        if source in passed:
            raise ConfigError(f"{prefix}.integration_fields.{entry}: duplicate key {source.text!r}")
        passed.append(source)
    return ModelMapping(tuple(fields), tuple(passed))


def _custom_field(key: str, spec: Any, model: str, where: str) -> CustomField:
    if not key or key.strip() != key:
        raise ConfigError(f"{where}: a key must be non-empty without surrounding spaces")
    if isinstance(spec, str):
        spec = {"source": spec}
    if not isinstance(spec, dict) or "source" not in spec:
        raise ConfigError(f"{where}: expected a source field, or {{source, type, default}}")
    _no_duplicates(spec, where)
    if unknown := set(spec) - _OPTIONS:
        raise ConfigError(f"{where}: unknown option {sorted(unknown)[0]!r} (options: source, type, default)")
    source = _source(spec["source"], model, where)
    kind = spec.get("type", "json")
    if kind not in TYPES:
        raise ConfigError(f"{where}: unknown type {kind!r} (one of {', '.join(TYPES)})")
    shape = STANDARD.get(source.namespace, {}).get(source.name)
    if shape is not None and kind in _IMPOSSIBLE.get(shape, ()):
        raise ConfigError(f"{where}: cannot convert {source.text} (a Lever {shape}) to {kind}")
    return CustomField(key, source, kind, _default(spec.get("default"), kind, where))


def _source(text: Any, model: str, where: str) -> Source:
    namespaces = NAMESPACES[model]
    namespace, _, name = str(text).partition(".")
    if not isinstance(text, str) or namespace not in namespaces or not name.strip():
        raise ConfigError(
            f"{where}: unknown field {text!r} for {model} (a field of {', '.join(n + '.' for n in namespaces)})"
        )
    if namespace in STANDARD:
        known = STANDARD[namespace]
        head = name.split(".")[0]
        if name not in known and known.get(head) != _OBJECT:
            raise ConfigError(f"{where}: unknown field {text!r} (no Lever {namespace} field {name!r})")
    return Source(namespace, name)


def _default(value: Any, kind: str, where: str) -> Any:
    """The default as the JSON value the conversion yields, or an error when it cannot be one."""
    if value is None:
        return None
    ok = {
        "json": True,
        "text": isinstance(value, str | int | float) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "list": isinstance(value, list),
        "date": isinstance(value, date | str),
    }[kind]
    if kind == "date" and ok:
        try:
            value = date.fromisoformat(str(value)).isoformat()
        except ValueError:
            ok = False
    if not ok:
        raise ConfigError(f"{where}: default {value!r} cannot be converted to {kind}")
    return str(value) if kind == "text" else value


def as_dbt_var(mappings: Mapping[str, IntegrationMapping]) -> dict[str, list[dict[str, Any]]]:
    """What the dbt models compile: per model, per integration, the fields in order (see field_mapping.sql)."""
    result: dict[str, list[dict[str, Any]]] = {}
    for integration_id, mapping in sorted(mappings.items()):
        for model, body in mapping.models.items():
            result.setdefault(model, []).append(
                {
                    "integration_id": integration_id,
                    "custom_fields": [
                        {
                            "key": f.key,
                            "namespace": f.source.namespace,
                            "name": f.source.name,
                            "type": f.type,
                            "default": json.dumps(f.default) if f.default is not None else None,
                        }
                        for f in body.custom_fields
                    ],  # fmt: skip
                    "integration_fields": [
                        {"namespace": s.namespace, "name": s.name, "type": NAMESPACES[model][s.namespace]}
                        for s in body.integration_fields
                    ],
                }
            )
    return result
