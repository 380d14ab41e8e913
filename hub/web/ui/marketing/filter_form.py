"""The segment builder's form: its labels, the field catalogue as the builder script reads it,
and the form read into a filter (the builder's JSON, or the plain rows without JS)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Annotated, Any

from campaigns.segments import FIELD_LABELS, FieldChoice
from hub.domain.segments import OPS, FilterError, field_spec, ops_for, parse_filter
from hub.errors import InvalidInput
from hub.i18n import N_
from hub.i18n.parsing import DATE_EXAMPLE, NUMBER_EXAMPLE, parse_date, parse_number
from hub.i18n.text import Text
from hub.web.locale import Viewer
from hub.web.ui.form_input import Cut, PageForm
from hub.web.ui.render import current_ui_viewer, translate

MAX_FILTER_TEXT = 20_000
ROWS = 4
OP_LABELS = {"eq": N_("is"), "ne": N_("is not"), "in": N_("is one of"),
             "nin": N_("is none of"), "gt": ">", "gte": "≥", "lt": "<", "lte": "≤",
             "exists": N_("exists"), "contains": N_("contains"),
             "within_days": N_("within the last … days"),
             "older_than_days": N_("more than … days ago")}
GROUP_LABELS = {"all": N_("all of"), "any": N_("any of"), "none": N_("none of")}
SYMBOLS = (">", "≥", "<", "≤")


def _labels(labels: dict[str, str], viewer: Viewer) -> dict[str, str]:
    return {code: text if text in SYMBOLS else viewer.gettext(text)
            for code, text in labels.items()}


def op_labels(viewer: Viewer) -> dict[str, str]:
    """The operators as the viewer reads them."""
    return _labels(OP_LABELS, viewer)


def group_labels(viewer: Viewer) -> dict[str, str]:
    """How the rows combine (all / any / none of), as the viewer reads it."""
    return _labels(GROUP_LABELS, viewer)


def shown_choices(choices: list[FieldChoice], viewer: Viewer) -> list[FieldChoice]:
    """The fields with their label, group and help in the viewer's language (an attribute's
    label is its key, the same in every language)."""
    return [replace(c, group=viewer.gettext(c.group), doc=viewer.gettext(c.doc) if c.doc else "",
                    label=viewer.gettext(c.label) if c.label in FIELD_LABELS.values()
                    else c.label or c.name) for c in choices]


BUILDER_TEXTS = {
    "unknown_field": N_("unknown field"), "not_applied": N_("Not applied: %(problem)s"),
    "invalid_json": N_("The filter is not valid JSON."), "yes": N_("yes"), "no": N_("no"),
    "choose": N_("choose…"), "uncounted": N_("The filter cannot be counted."),
    "field": N_("Field"), "operator": N_("Operator"), "value": N_("Value"),
    "combine": N_("Combine"), "matching": N_("Persons matching"),
    "add_row": N_("+ condition"), "add_group": N_("+ group"),
    "remove_row": N_("Remove condition"), "remove_group": N_("remove group"),
    "list_hint": N_("value (lists: a, b)"),
}


def catalogue_json(choices: list[FieldChoice], viewer: Viewer | None = None) -> str:
    """For the builder script (in a data- attribute, so no inline script): each field with
    its label, group, help, kind, the ops it takes and its values (the choices of an
    enumeration, or the attribute values seen in the data), the op and group labels and the
    builder's texts, in the viewer's language."""
    viewer = viewer or Viewer()
    ops = op_labels(viewer)
    return json.dumps({"fields": [{"name": c.name, "label": c.label, "group": c.group,
                                   "kind": c.kind, "ops": list(ops_for(c.kind)),
                                   "values": list(c.values), "doc": c.doc}
                                  for c in shown_choices(choices, viewer)],
                       "ops": {op: ops[op] for op in OPS}, "groups": group_labels(viewer),
                       "texts": {k: viewer.gettext(v) for k, v in BUILDER_TEXTS.items()}})


def _scalar(kind: str, raw: str) -> Any:
    raw = raw.strip()
    if kind in ("age", "money"):
        language = current_ui_viewer().language
        number = parse_number(raw, language)
        if number is None:
            raise InvalidInput(translate(N_("%(value)s is not a number; write it like %(example)s"),
                                         value=repr(raw[:40]),
                                         example=NUMBER_EXAMPLE.get(language, "1234.5")))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "date":
        day = parse_date(raw)
        if day is None:
            raise InvalidInput(translate(N_("%(value)s is not a date; write it like %(example)s"),
                                         value=repr(raw[:40]), example=DATE_EXAMPLE))
        return day.isoformat()
    if kind == "any":
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        for kind_ in (int, float):
            try:
                return kind_(raw)
            except ValueError:
                pass
    return raw


def condition(name: str, op: str, raw: str) -> dict[str, Any]:
    """One builder row as a filter condition, the value typed by the field's kind."""
    spec = field_spec(name)
    if spec is None:
        raise FilterError("field", Text(N_("unknown field %(name)s"), {"name": repr(name[:100])}))
    if op == "exists":
        value: Any = raw.strip().lower() not in ("false", "no", "0")
    elif op in ("within_days", "older_than_days"):
        try:
            value = int(raw.strip())
        except ValueError as exc:
            raise InvalidInput(translate(N_("%(operator)s takes a whole number of days"),
                                         operator=translate(OP_LABELS[op]))) from exc
    elif op in ("in", "nin"):
        value = [_scalar(spec.kind, part) for part in raw.split(",") if part.strip()]
    else:
        value = _scalar(spec.kind, raw)
    return {"field": name, "op": op, "value": value}


Row = Annotated[str, Cut(200)]
Value = Annotated[str, Cut(2000, strip=False)]


class FilterForm(PageForm):
    """The builder: `filter` (its JSON, sent by the script or typed by hand) when `mode` is
    json, else up to ROWS plain rows `field_N/op_N/value_N` joined by `match`."""

    name: Annotated[str, Cut(200)] = ""
    filter: Annotated[str, Cut(MAX_FILTER_TEXT)] = ""
    mode: str = ""
    match: str = "all"
    field_0: Row = ""
    op_0: str = "eq"
    value_0: Value = ""
    field_1: Row = ""
    op_1: str = "eq"
    value_1: Value = ""
    field_2: Row = ""
    op_2: str = "eq"
    value_2: Value = ""
    field_3: Row = ""
    op_3: str = "eq"
    value_3: Value = ""

    def rows(self) -> list[tuple[str, str, str]]:
        return [(getattr(self, f"field_{i}"), getattr(self, f"op_{i}"),
                 getattr(self, f"value_{i}")) for i in range(ROWS)]

    def shown(self) -> dict[str, str]:
        """What was typed, to fill the form again."""
        return {k: v for k, v in self.model_dump().items() if isinstance(v, str)}

    def to_filter(self) -> dict[str, Any]:
        """The filter the form describes (an empty form matches everybody); raises
        InvalidInput."""
        rows = [(name, op, value) for name, op, value in self.rows() if name]
        if self.mode == "json" or (self.filter and not rows):
            if not self.filter:
                return {}
            try:
                data = json.loads(self.filter)
            except ValueError as exc:
                raise InvalidInput(N_("The filter is not valid JSON.")) from exc
            if data == {}:
                return {}
            parse_filter(data)
            return data
        if not rows:
            return {}
        built_rows = [condition(name, op, value) for name, op, value in rows]
        built: dict[str, Any] = {"any": built_rows} if self.match == "any" \
            else {"all": built_rows}
        if self.match == "none":
            built = {"not": {"any": built_rows}}
        parse_filter(built)
        return built
