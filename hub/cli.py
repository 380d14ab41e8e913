"""`hub serve|demo|user|token|ingest-eml|campaign|analytics|import|config`: the command-line
entry point."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from aiohttp import web

from hub.collector import tune_for_serving
from hub.config import Settings, describe, load_settings, markdown_table
from hub.domain.staff import STAFF_ROLES
from hub.errors import ConfigError, HubError, StoreUnavailable
from hub.files import private_umask
from hub.logs import setup_logging
from hub.ports import Store
from hub.services.staff import add_user, create_token, ensure_first_admin, generate_password
from hub.store import create_store

log = logging.getLogger("hub.cli")


async def _with_store(settings: Settings, action: Callable[[Store], Awaitable[int]]) -> int:
    store = await create_store(settings)
    try:
        return await action(store)
    finally:
        await store.close()


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from hub.web.app import create_app

    async def first_admin(store: Store) -> int:
        created = await ensure_first_admin(store)
        if created:
            email, password = created
            print(f"Created the first admin: {email}\nOne-time password (shown once):\n"
                  f"{password}", flush=True)
        return 0

    asyncio.run(_with_store(settings, first_admin))
    from hub.web.keys import RUN_WORKERS

    app = create_app(settings)
    app[RUN_WORKERS] = args.role != "web"
    if args.role == "worker":
        print(f"Hub worker; /healthz and /metrics on http://{settings.listen_host}:"
              f"{settings.listen_port}", flush=True)
        tune_for_serving()
        asyncio.run(_run_worker(app, settings))
        return 0
    print(f"Hub listening on http://{settings.listen_host}:{settings.listen_port}", flush=True)
    tune_for_serving()
    web.run_app(app, host=settings.listen_host, port=settings.listen_port, print=None,
                access_log=None)
    return 0


async def _run_worker(app: web.Application, settings: Settings) -> None:
    from hub.web.metrics import ops_app

    runner = web.AppRunner(app)
    await runner.setup()  # opens the store and starts the background jobs; no pages
    ops = web.AppRunner(ops_app(app), access_log=None)
    await ops.setup()
    try:
        await web.TCPSite(ops, settings.listen_host, settings.listen_port).start()
        await asyncio.Event().wait()
    finally:
        await ops.cleanup()
        await runner.cleanup()


async def _demo_journeys(settings: Settings, store: Store) -> None:
    """The two demo journeys, advanced once through the sandbox outbox only (demo phone
    numbers may exist: nothing of the demo goes to a real provider)."""
    import dataclasses

    from campaigns.journeys.demo import create_demo_journeys
    from hub.domain.common import utcnow
    from hub.wiring import assemble, build_adapters, build_journey_engine

    sandbox = dataclasses.replace(settings, smtp_url=None, twilio_account_sid=None)
    adapters = build_adapters(sandbox)
    try:
        components = assemble(store, sandbox, adapters)
        made = await create_demo_journeys(store, components.journeys.service, utcnow())
        await build_journey_engine(components).run_until_idle(limit=50)
    finally:
        for adapter in adapters.values():
            await adapter.close()
    print(f"Demo journeys: {made.created} made; {made.welcome_enrolled} persons in the "
          f"welcome series, {made.winback_enrolled} in the win-back journey.")


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from hub.demo import generate_demo

    def progress(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="",
              file=sys.stderr, flush=True)

    async def run(store: Store) -> int:
        summary = await generate_demo(store, persons=args.persons, seed=args.seed,
                                      region=settings.default_region, progress=progress)
        print(file=sys.stderr)
        if summary.skipped:
            print("The demo data set with this seed is already in the store; nothing added.")
        else:
            print(f"Demo data: {summary.persons:,} persons in {summary.households:,} households, "
                  f"{summary.organisations:,} organisations ({summary.roles:,} roles), "
                  f"{summary.events:,} events, {summary.transactions:,} transactions.")
        await _demo_journeys(settings, store)
        return 0

    return asyncio.run(_with_store(settings, run))


def _conversations_backfill(settings: Settings, args: argparse.Namespace) -> int:
    from hub.services.conversations import ConversationRouter

    async def run(store: Store) -> int:
        router = ConversationRouter(store, reopen_days=settings.conversation_reopen_days)
        touched = await router.backfill(persons=args.persons)
        print(f"Conversations opened or filled for {touched:,} waiting persons.")
        return 0

    return asyncio.run(_with_store(settings, run))


def _token_create(settings: Settings, args: argparse.Namespace) -> int:
    async def run(store: Store) -> int:
        token = await create_token(store, name=args.name, role=args.role)
        print(f"Created a {args.role} token named {args.name!r}. It is shown once:")
        print(token)
        return 0

    return asyncio.run(_with_store(settings, run))


def _user_add(settings: Settings, args: argparse.Namespace) -> int:
    generated = not args.password_stdin
    password = generate_password() if generated else sys.stdin.readline().rstrip("\r\n")

    async def run(store: Store) -> int:
        user = await add_user(store, email=args.email, role=args.role, password=password,
                              name=args.name)
        print(f"Added {user.role} user {user.email}.")
        if generated:
            print("Generated password (shown once):")
            print(password)
        return 0

    return asyncio.run(_with_store(settings, run))


def _ingest_eml(settings: Settings, args: argparse.Namespace) -> int:
    """Raw mail from files, or from standard input as an MTA pipe gives it. Exit 75
    (EX_TEMPFAIL) when the store is unavailable, so the MTA keeps the mail and retries."""
    from channels.email.ingest import EmailIngest
    from hub.wiring import assemble

    sources = [(path, Path(path).read_bytes) for path in args.files] or \
        [("-", sys.stdin.buffer.read)]

    async def run(store: Store) -> int:
        services = assemble(store, settings, {}).services  # receives only: no channels
        ingest = EmailIngest(services.inbox, attachment_limit=settings.email_attachment_limit)
        for name, read in sources:
            try:
                raw = read()
            except OSError as exc:
                print(f"hub: cannot read {name}: {exc.strerror}", file=sys.stderr)
                return 66  # EX_NOINPUT
            result = await ingest.ingest(raw, source="cli")
            if result.event is not None:
                print(f"{name}: event {result.event.id}"
                      f"{'' if result.created else ' (already stored)'}")
            elif result.quarantine is not None:
                print(f"{name}: quarantined {result.quarantine.id}: {result.quarantine.reason}")
        return 0

    try:
        return asyncio.run(_with_store(settings, run))
    except StoreUnavailable as exc:
        print(f"hub: the store is unavailable, try again later: {exc.message}", file=sys.stderr)
        return 75


def _campaign(settings: Settings, args: argparse.Namespace) -> int:
    from campaigns.cli import campaign_command

    async def run(store: Store) -> int:
        return await campaign_command(store, args.action, args.campaign_id, watch=args.watch)

    return asyncio.run(_with_store(settings, run))


def _analytics_refresh(settings: Settings, args: argparse.Namespace) -> int:
    from campaigns.analytics_cli import read_time, refresh_command

    start = read_time(args.start) if args.start else None
    end = read_time(args.end) if args.end else None

    async def run(store: Store) -> int:
        return await refresh_command(store, start, end)

    return asyncio.run(_with_store(settings, run))


def _import_transactions(settings: Settings, args: argparse.Namespace) -> int:
    """Transactions from a CSV, with a progress bar and a report per rejected line."""
    from campaigns.analytics_cli import import_command
    from hub.services.identities import IdentityService

    path = Path(args.file)
    try:
        with path.open("rb") as counting:
            total = max(sum(1 for _ in counting) - 1, 0)
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        print(f"hub: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 66  # EX_NOINPUT

    async def run(store: Store) -> int:
        identities = IdentityService(store, default_region=settings.default_region,
                                     secret_key=settings.secret_key)
        return await import_command(store, identities, handle, total)

    with handle:
        return asyncio.run(_with_store(settings, run))


def _import_contacts(settings: Settings, args: argparse.Namespace) -> int:
    """Contacts from a CSV: progress bar, summary, per-row report; exit 1 on rejected rows."""
    from hub.contacts_cli import contacts_command, too_large
    from hub.services.contact_import import ImportOptions
    from hub.wiring import assemble

    path = Path(args.file)
    if not path.is_file():
        print(f"hub: cannot read {path}: no such file", file=sys.stderr)
        return 66  # EX_NOINPUT
    columns: dict[str, str] = {}
    for pair in args.map or ():
        source, sep, target = pair.rpartition("=")
        if not sep or not source:
            print(f"hub: --map {pair!r}: write SOURCE=FIELD", file=sys.stderr)
            return 2
        columns[source] = target
    options = ImportOptions(
        name=args.name or path.name, dry_run=args.dry_run, on_match=args.on_match,
        mapping=args.mapping, columns=columns, save_mapping=args.save_mapping,
        consent_basis=args.consent_basis, consent_text=args.consent_text)

    size = path.stat().st_size
    refused = too_large(size, options.max_bytes)
    if refused:
        print(f"hub: {path}: {refused}", file=sys.stderr)
        return 1

    with contextlib.ExitStack() as files:
        try:
            handle = files.enter_context(path.open("rb"))
            report = files.enter_context(Path(args.report).open(
                "w", newline="", encoding="utf-8")) if args.report else None
        except OSError as exc:
            print(f"hub: cannot open {exc.filename}: {exc.strerror}", file=sys.stderr)
            return 66  # EX_NOINPUT

        async def run(store: Store) -> int:
            services = assemble(store, settings, {}).services  # imports only: no channels
            return await contacts_command(services.contact_import, handle, size, options,
                                          report_file=report)

        code = asyncio.run(_with_store(settings, run))
    if args.report:
        print(f"Per-row report: {args.report}")
    return code


def _config(settings: Settings, args: argparse.Namespace) -> int:
    for name, value in describe(settings):
        print(f"{name}={value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="Hub: one timeline per customer.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web app and/or the background worker")
    serve.add_argument("--role", choices=("all", "web", "worker"), default="all")
    serve.set_defaults(run=_serve)

    demo = commands.add_parser("demo", help="fill the store with a synthetic data set")
    demo.add_argument("--persons", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(run=_demo)

    conversations = commands.add_parser("conversations", help="the service inbox"
                                        ).add_subparsers(dest="action", required=True)
    backfill = conversations.add_parser(
        "backfill", help="open conversations for persons waiting for an answer in data "
        "recorded before conversations existed (safe to repeat)")
    backfill.add_argument("--persons", type=int, default=10_000)
    backfill.set_defaults(run=_conversations_backfill)

    token = commands.add_parser("token", help="API tokens").add_subparsers(dest="action",
                                                                          required=True)
    create = token.add_parser("create", help="create a token; printed alone on the last line")
    create.add_argument("--role", choices=STAFF_ROLES, required=True)
    create.add_argument("--name", default="cli")
    create.set_defaults(run=_token_create)

    ingest = commands.add_parser(
        "ingest-eml", help="store raw mail (files, or standard input as from an MTA pipe)")
    ingest.add_argument("files", nargs="*", metavar="FILE")
    ingest.set_defaults(run=_ingest_eml)

    user = commands.add_parser("user", help="staff users").add_subparsers(dest="action",
                                                                         required=True)
    add = user.add_parser("add", help="add a staff user")
    add.add_argument("email")
    add.add_argument("--role", choices=STAFF_ROLES, required=True)
    add.add_argument("--name", default="")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input instead of generating one")
    add.set_defaults(run=_user_add)

    campaign = commands.add_parser("campaign", help="launch a campaign or show its progress")
    campaign.add_argument("action", choices=("launch", "status"))
    campaign.add_argument("campaign_id")
    campaign.add_argument("--watch", action="store_true",
                          help="keep showing the progress bar until the campaign ends")
    campaign.set_defaults(run=_campaign)

    analytics = commands.add_parser("analytics", help="customer pyramid bookkeeping"
                                    ).add_subparsers(dest="action", required=True)
    refresh = analytics.add_parser(
        "refresh", help="store each customer's pyramid tier (attributes.pyramid_tier)")
    refresh.add_argument("--from", dest="start", help="period start (default: a year ago)")
    refresh.add_argument("--to", dest="end", help="period end, excluded (default: now)")
    refresh.set_defaults(run=_analytics_refresh)

    imports = commands.add_parser("import", help="bulk imports").add_subparsers(
        dest="what", required=True)
    transactions = imports.add_parser(
        "transactions", help="transactions from CSV: external_id, amount, currency, "
        "occurred_at, and person_id, household_id, organisation_id, email or phone")
    transactions.add_argument("file", metavar="FILE.csv")
    transactions.set_defaults(run=_import_transactions)
    contacts = imports.add_parser(
        "contacts", help="persons from CSV: email, email2, phone, phone2, name, language, "
        "birth_date, gender, tags (;-separated), attr.<key>, household_key or street+postcode, "
        "organisation, function, role_email, role_phone, consent_email, consent_sms")
    contacts.add_argument("file", metavar="FILE.csv")
    contacts.add_argument("--dry-run", action="store_true",
                          help="the same report, nothing written")
    contacts.add_argument("--on-match", choices=("update", "skip"), default="update",
                          help="a row whose address is known: update the person or skip it")
    contacts.add_argument("--mapping", metavar="NAME", help="use a saved column mapping")
    contacts.add_argument("--map", action="append", metavar="SOURCE=FIELD",
                          help="map a source column to a Hub field (repeatable)")
    contacts.add_argument("--save-mapping", metavar="NAME",
                          help="save the column mapping in effect under NAME")
    contacts.add_argument("--consent-basis", help="the legal basis of the consent columns")
    contacts.add_argument("--consent-text", help="the text the contacts agreed to")
    contacts.add_argument("--name", help="the import's name in the consent proof "
                          "(source import:NAME; default: the file name)")
    contacts.add_argument("--report", metavar="REPORT.csv",
                          help="write the per-row report (line, outcome, person_id, reason)")
    contacts.set_defaults(run=_import_contacts)

    config = commands.add_parser(
        "config", help="show the settings in effect (secrets only as set or unset)")
    config.add_argument("--markdown", action="store_true",
                        help="print the table of every setting, as in the README, and exit")
    config.set_defaults(run=_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    private_umask()  # before anything is written: the database, var/, blobs, outbox
    args = build_parser().parse_args(argv)
    if args.command == "config" and args.markdown:  # documentation: needs no valid settings
        print(markdown_table(), end="")
        return 0
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"hub: configuration error: {exc.message}", file=sys.stderr)
        return 78  # EX_CONFIG
    setup_logging(settings.log_level)
    try:
        code: int = args.run(settings, args)
    except HubError as exc:
        print(f"hub: {exc.message}", file=sys.stderr)
        return 75 if exc.code in ("transient", "store_unavailable") else 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    raise SystemExit(main())
