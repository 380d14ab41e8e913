"""Templates that only put variables into text (`Dear {{ person.first_name }}`, by far the
most common kind) rendered without Jinja's per-render machinery (a context, a generator,
the sandbox's attribute checks): the compiled Jinja template does the same work several
times slower, for every recipient of a campaign.

`Substitution.of` accepts a template whose parsed body is literal text and `{{ name }}` or
`{{ name.key.key }}` only; anything else (a filter, a tag, an index, a call) keeps Jinja.
`render` gives exactly what Jinja gives (`str(value)` in a text part, `escape(value)` in an
HTML one) for plain strings and numbers reached through dictionaries, and None for any
other case (a missing name, a key that is also a dict method, another type, an oversized
output), which the caller then renders through Jinja: its answer or error is the real one.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, nodes
from markupsafe import escape

from campaigns.template_budget import MAX_OUTPUT

_MISSING = object()
_DICT_ATTRIBUTES = frozenset(dir(dict))  # `{{ d.items }}` is the method in Jinja, not d["items"]
_SPECIAL_NAMES = frozenset({"self", "loop", "caller", "varargs", "kwargs", "super"})
_PLAIN = (str, int, float)

Piece = str | tuple[str, tuple[str, ...]]  # literal text, or a name and the keys below it


def _lookup(node: nodes.Node) -> tuple[str, tuple[str, ...]] | None:
    keys: list[str] = []
    while isinstance(node, nodes.Getattr):
        keys.append(node.attr)
        node = node.node
    if not isinstance(node, nodes.Name) or node.ctx != "load" or node.name in _SPECIAL_NAMES:
        return None
    return node.name, tuple(reversed(keys))


class Substitution:
    __slots__ = ("_escape", "_pieces")

    def __init__(self, pieces: list[Piece], escape_values: bool) -> None:
        self._pieces = pieces
        self._escape = escape_values

    @classmethod
    def of(cls, env: Environment, source: str) -> Substitution | None:
        """The template as literal text and lookups, or None when it does anything else."""
        pieces: list[Piece] = []
        for statement in env.parse(source).body:
            if not isinstance(statement, nodes.Output):
                return None
            for node in statement.nodes:
                if isinstance(node, nodes.TemplateData):
                    pieces.append(node.data)
                elif (lookup := _lookup(node)) is not None:
                    pieces.append(lookup)
                else:
                    return None
        return cls(pieces, bool(env.autoescape))

    def render(self, variables: dict[str, Any]) -> str | None:
        """The rendered text, or None: render it through Jinja instead."""
        out: list[str] = []
        size = 0
        for piece in self._pieces:
            if isinstance(piece, str):
                text = piece
            else:
                name, keys = piece
                value = variables.get(name, _MISSING)
                for key in keys:
                    if type(value) is not dict or key in _DICT_ATTRIBUTES:
                        return None
                    value = value.get(key, _MISSING)
                if type(value) not in _PLAIN:  # bool, None, lists, missing: Jinja's way
                    return None
                text = str(escape(value)) if self._escape else str(value)
            size += len(text)
            if size > MAX_OUTPUT:
                return None
            out.append(text)
        return "".join(out)
