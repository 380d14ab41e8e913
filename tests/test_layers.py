"""The three layers of docs/architecture.md, checked on the imports: nothing flows back up.

Bottom: `hub` (domain, ports, store, services, config, ...). Middle: `channels`, `campaigns`,
which use the bottom and never each other. Top: `hub.web`, `hub.cli`, `hub.wiring`, the only
modules that wire everything together. Imports inside functions count too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = ("hub.web", "hub.cli", "hub.wiring")
FORBIDDEN = {
    "bottom": ("channels", "campaigns", *TOP),
    "channels": ("campaigns", *TOP),
    "campaigns": ("channels", *TOP),
}


def layer(module: str) -> str | None:
    if any(module == top or module.startswith(top + ".") for top in TOP):
        return None  # the top may import anything
    return "bottom" if module.split(".")[0] == "hub" else module.split(".")[0]


def modules() -> Iterator[tuple[str, Path]]:
    for package in ("hub", "channels", "campaigns"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imported(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module


def test_nothing_flows_back_up() -> None:
    wrong = []
    for module, path in modules():
        rule = layer(module)
        if rule is None:
            continue
        for line, name in imported(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[rule]):
                wrong.append(f"{path.relative_to(ROOT)}:{line} ({rule}) imports {name}")
    assert not wrong, "imports against the layers (docs/architecture.md):\n" + "\n".join(wrong)


@pytest.mark.parametrize(("module", "expected"), [
    ("hub.services.inbox", "bottom"), ("hub.web.app", None), ("hub.cli", None),
    ("channels.sms.webhooks", "channels"), ("campaigns.engine.dispatch", "campaigns"),
])
def test_layer_of(module: str, expected: str | None) -> None:
    assert layer(module) == expected
