"""Rewrite the README's configuration table from hub/config.py's VARIABLES (the table the
test `test_readme_configuration_table_is_the_rendered_one` compares): run after adding a
setting. Usage: .venv/bin/python scripts/readme_config.py"""

from __future__ import annotations

from pathlib import Path

from hub.config import TABLE_HEADER, markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    lines = README.read_text(encoding="utf-8").split("\n")
    start = lines.index(TABLE_HEADER)
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    lines[start:end] = markdown_table().rstrip("\n").split("\n")
    README.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
