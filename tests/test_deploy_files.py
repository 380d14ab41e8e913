"""The deployment and CI files say what the README says (no Docker engine needed)."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_ENV = ("HUB_DATABASE_URL", "HUB_PUBLIC_URL", "HUB_SECRET_KEY", "HUB_LISTEN",
               "HUB_DEFAULT_REGION")
COMMENTED_ENV = ("HUB_SMTP_URL", "HUB_IMAP_URL", "HUB_TWILIO_ACCOUNT_SID",
                 "HUB_TWILIO_AUTH_TOKEN", "HUB_TWILIO_FROM")


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, rest = full.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def exec_form(arguments: str) -> list[str]:
    """A CMD/ENTRYPOINT as a list, from its JSON (exec) or shell form."""
    if arguments.startswith("["):
        return list(json.loads(arguments))
    return shlex.split(arguments)


def env_assignments(arguments: str) -> dict[str, str]:
    """`ENV A=1 B=2` (and the legacy `ENV A 1`) as a dict."""
    if "=" not in arguments.split()[0]:
        key, _, value = arguments.partition(" ")
        return {key: value.strip()}
    return dict(part.split("=", 1) for part in shlex.split(arguments))


def readme_variables() -> set[str]:
    """HUB_* names in the first column of the README's configuration table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Configuration\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "README.md has no '## Configuration' section"
    names = set(re.findall(r"^\|\s*`(HUB_[A-Z0-9_]+)`", section.group(1), re.M))
    assert names, "README.md's configuration table names no HUB_* variable"
    return names


def readme_test_command() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^(\./scripts/test\.sh)\s*$", text, re.M)
    assert commands, "README.md does not show ./scripts/test.sh on a line of its own"
    return commands[0]


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_dockerfile_builds_a_non_root_hub_listening_on_all_interfaces() -> None:
    instructions = dockerfile_instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = " && ".join(arguments for keyword, arguments in instructions if keyword == "RUN")
    assert re.search(r"pip install (--no-deps )?(-e )?\.", runs), "the project is not installed"
    env: dict[str, str] = {}
    for keyword, arguments in instructions:
        if keyword == "ENV":
            env.update(env_assignments(arguments))
    assert env["HUB_LISTEN"] == "0.0.0.0:8080"
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    command = [*exec_form(dict(instructions)["ENTRYPOINT"]), *exec_form(dict(instructions)["CMD"])]
    assert command[:2] == ["hub", "serve"]
    assert "8080" in dict(instructions)["EXPOSE"].split()
    assert all(name in readme_variables() for name in env if name.startswith("HUB_"))


def test_compose_runs_mongo_as_a_replica_set_and_hub_on_it() -> None:
    services = compose()["services"]
    assert set(services) >= {"mongo", "hub"}
    mongo, hub = services["mongo"], services["hub"]

    assert str(mongo["image"]).split(":") == ["mongo", "8"]
    command = mongo["command"] if isinstance(mongo["command"], list) else mongo["command"].split()
    assert command[command.index("--replSet") + 1] == "rs0"
    health = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate" in health and "rs0" in health

    assert hub["build"] in (".", {"context": "."})
    assert hub["depends_on"]["mongo"]["condition"] == "service_healthy"
    environment = hub["environment"]
    assert isinstance(environment, dict), "write hub's environment as a mapping"
    assert set(COMPOSE_ENV) <= set(environment)
    assert environment["HUB_DATABASE_URL"] == "mongodb://mongo:27017/hub?replicaSet=rs0"
    assert environment["HUB_LISTEN"] == "0.0.0.0:8080"


def test_compose_names_the_channel_credentials_in_comments() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    commented = set(re.findall(r"^\s*#\s*(HUB_[A-Z0-9_]+):", text, re.M))
    assert set(COMMENTED_ENV) <= commented


def test_every_variable_in_compose_and_config_is_documented() -> None:
    documented = readme_variables()
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    in_compose = set(compose()["services"]["hub"]["environment"])
    in_compose |= set(re.findall(r"^\s*#\s*(HUB_[A-Z0-9_]+):", text, re.M))
    assert in_compose - documented == set()
    read_by_config = set(re.findall(r"\"(HUB_[A-Z0-9_]+)\"",
                                    (ROOT / "hub" / "config.py").read_text(encoding="utf-8")))
    assert read_by_config - documented == set()


def test_ci_entry_point_installs_the_real_services_and_runs_the_readme_command() -> None:
    path = ROOT / ".ci" / "run"
    assert os.access(path, os.X_OK), ".ci/run is not executable"
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    assert "set -euo pipefail" in lines
    install = next(line for line in lines if "apt-get install" in line)
    assert {"dovecot-imapd", "chromium", "--no-install-recommends", "-y"} <= set(install.split())
    assert any(re.search(r"apt-get update\b", line) for line in lines)
    assert "export HUB_REQUIRE_REAL_SERVICES=1" in lines
    command = readme_test_command()
    # the README command itself, perhaps with pytest arguments after it (as `--durations`)
    assert any(line == command or (line + " ").startswith(f"exec {command} ") for line in lines)
    for script in ("test.sh", "serve.sh"):
        assert os.access(ROOT / "scripts" / script, os.X_OK), f"scripts/{script} not executable"
    assert "exit code 5" in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8").lower()


def test_compose_runs_two_web_and_two_worker_processes_behind_one_proxy() -> None:
    services = compose()["services"]
    web, worker, proxy = services["hub"], services["worker"], services["proxy"]
    assert web["command"][-2:] == ["--role", "web"] and web["deploy"]["replicas"] == 2
    assert worker["command"][-2:] == ["--role", "worker"] and worker["deploy"]["replicas"] == 2
    assert worker["environment"] == web["environment"], "one store, one secret key for all"
    assert "ports" not in web and "ports" not in worker
    assert proxy["ports"] == ["127.0.0.1:8080:8080"] and "hub:8080" in proxy["command"]
