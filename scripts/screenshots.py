"""Take the README's staff-UI screenshots: docs/screenshots/{login,search,person,outbox}.png and
the marketing pages' {segments,template-preview,campaign,survey-results,analytics}.png, in
Dutch (the default), and the same set in English in docs/screenshots/en/.

For each language it starts Hub in-process on a loopback port with a temporary SQLite store
holding the demo data set (`generate_demo(persons=200, seed=1)`) and one hand-made customer
whose timeline has every channel (email in and out, SMS in and out, a call, a web form, a
note, the system event of a consent change), written in that language; logs in through the
login form in headless Debian Chromium (Playwright, never `playwright install`; the flags of
tests/support/browser.py) with the browser's locale `nl-NL` or `en-GB` and time zone
Europe/Amsterdam, and saves the pages at a 1280x900 viewport.

    .venv/bin/python scripts/screenshots.py              # docs/screenshots/ and .../en/
    .venv/bin/python scripts/screenshots.py --language en --out /tmp/shots
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import secrets
import socket
import struct
import tempfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from playwright.async_api import Page, async_playwright

from campaigns.survey_answers import ParsedAnswer
from hub.config import Settings
from hub.demo import generate_demo
from hub.domain.campaigns import Campaign, MessageTemplate
from hub.domain.common import new_id
from hub.domain.events import CallInfo, Event, FormInfo, StatusChange
from hub.domain.segments import MATCH_ALL
from hub.domain.surveys import Survey, TriggerRule
from hub.services import Services
from hub.services.persons import ConsentInput, PersonInput
from hub.services.staff import add_user
from hub.store import create_store
from hub.web.app import create_app
from hub.web.keys import CAMPAIGNS, SERVICES, STORE, SURVEYS

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 900}
EMAIL, PASSWORD = "sam@hub.example", "screenshots password 0123"
MARKETING_EMAIL = "mia@hub.example"
LOCALES = {"nl": "nl-NL", "en": "en-GB"}
# What the hand-made customer and the staff wrote, in the language of the screenshots.
WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "consent": "Vakje voor de nieuwsbrief aangevinkt bij de bestelling NL-20417",
        "form_subject": "Contactformulier: factuur", "topic": "factuur",
        "form_message": "Op de factuur van mijn laatste bestelling staat de bezorging twee keer.",
        "mail_subject": "Factuur NL-20417 klopt niet",
        "mail_text": "Hallo,\n\nIk betaal de bezorging twee keer. Kunt u dat herstellen?\n\nAnna",
        "mail_html": "<p>Hallo,</p><p>Ik betaal de bezorging <b>twee keer</b>. Kunt u dat "
                     "herstellen?</p><p>Anna</p><blockquote>Op maandag schreef Hub: Bedankt "
                     "voor uw bestelling NL-20417.</blockquote>",
        "call": "Bezorgregel uitgelegd; creditnota beloofd.",
        "sms_in": "Hoi, is de creditnota voor mijn factuur al onderweg?",
        "reply_subject": "Re: Factuur NL-20417 klopt niet",
        "reply": "Beste Anna, u hebt gelijk: we rekenden de bezorging twee keer. De creditnota "
                 "volgt vandaag. Met vriendelijke groet, Sam",
        "sms_out": "Ja, die is vanochtend verstuurd. Sam",
        "note": "Liever sms in de ochtend; VIP sinds 2021.",
        "old_subject": "Uw bestelling NL-20417", "old_text": "Bedankt voor uw bestelling.",
        "question": "Hoe waarschijnlijk is het dat u ons aanbeveelt aan een vriend?",
        "survey": "Klant-NPS 2025",
        "r0": "Niemand beantwoordde mijn twee mails over de kapotte waterkoker.",
        "r2": "De bezorging duurde drie weken en niemand vertelde waarom.",
        "r4": "De website logt me steeds uit.", "r6": "Prima, maar de prijzen gingen omhoog.",
        "r8": "Vriendelijke hulp aan de telefoon.",
        "r10": "Sam loste mijn factuur in één gesprek op!",
        "seg_dutch": "Nederlandstaligen", "seg_sms": "Liever sms", "seg_prospects": "Prospects",
        "trigger": "NPS na een opgelost gesprek", "customers": "Klanten",
        "mail_name": "Voorjaarsnieuws",
        "mail_tpl_subject": "Voorjaarsnieuws voor u, {{ person.first_name }}",
        "mail_tpl_body": "Hallo {{ person.first_name }}, de lente is er.",
        "sms_name": "Voorjaars-sms",
        "sms_tpl": "Hoi {{ person.first_name }}, de voorjaarsaanbiedingen zijn er. Stuur STOP "
                   "om af te melden.",
    },
    "en": {
        "consent": "Ticked the newsletter box at checkout, order NL-20417",
        "form_subject": "Contact form: billing", "topic": "billing",
        "form_message": "The invoice for my last order lists the delivery twice.",
        "mail_subject": "Invoice NL-20417 is wrong",
        "mail_text": "Hello,\n\nMy invoice charges the delivery twice. Can you fix it?\n\nAnna",
        "mail_html": "<p>Hello,</p><p>My invoice charges the delivery <b>twice</b>. Can you "
                     "fix it?</p><p>Anna</p><blockquote>On Monday Hub wrote: Thank you for "
                     "your order NL-20417.</blockquote>",
        "call": "Explained the delivery line; credit promised.",
        "sms_in": "Hi, is the credit note for my invoice on its way?",
        "reply_subject": "Re: Invoice NL-20417 is wrong",
        "reply": "Dear Anna, you are right: we charged the delivery twice. The credit note "
                 "follows today. Kind regards, Sam",
        "sms_out": "Yes, it went out this morning. Sam",
        "note": "Prefers SMS in the morning; VIP since 2021.",
        "old_subject": "Your order NL-20417", "old_text": "Thank you for your order.",
        "question": "How likely are you to recommend us to a friend?",
        "survey": "Customer NPS 2025",
        "r0": "Nobody answered my two emails about the broken kettle.",
        "r2": "Delivery took three weeks and nobody told me why.",
        "r4": "The website keeps logging me out.", "r6": "Fine, but the prices went up.",
        "r8": "Friendly help on the phone.", "r10": "Sam sorted my invoice in one call!",
        "seg_dutch": "Dutch speakers", "seg_sms": "Prefer SMS", "seg_prospects": "Prospects",
        "trigger": "NPS after a resolved call", "customers": "Customers",
        "mail_name": "Spring news",
        "mail_tpl_subject": "Spring news for you, {{ person.first_name }}",
        "mail_tpl_body": "Hello {{ person.first_name }}, spring is here.",
        "sms_name": "Spring SMS",
        "sms_tpl": "Hi {{ person.first_name }}, spring offers are in. Reply STOP to opt out.",
    },
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def seed(services: Services, language: str) -> str:
    """A customer reachable as `06-1234 5678` with every channel on the timeline; the two
    staff replies go out through the sandbox, so they also show on the outbox."""
    w = WORDS[language]
    # She joins a demo household, so the page shows household members too.
    demo = (await services.persons.find(limit=50)).items
    household_id = next((p.household_id for p in demo if p.household_id), None)
    person = await services.persons.create(PersonInput(
        name="Anna de Vries", emails=["anna.devries@mail.example"], phones=["+31612345678"],
        household_id=household_id, language=language, preferred_channel="email",
        customer_status="customer", tags=["vip", "invoice"], consent={
            "email": ConsentInput(status="opted_in", text=w["consent"])}))
    now = datetime.now(UTC)

    def at(minutes: int) -> datetime:
        return now - timedelta(minutes=minutes)

    events = [
        Event(id=new_id(), person_id=person.id, channel="webform", direction="inbound",
              occurred_at=at(60 * 26), subject=w["form_subject"],
              form=FormInfo(form_id="contact", fields={
                  "topic": w["topic"], "order": "NL-20417", "message": w["form_message"]})),
        Event(id=new_id(), person_id=person.id, channel="email", direction="inbound",
              occurred_at=at(60 * 25), subject=w["mail_subject"],
              from_="anna.devries@mail.example", status="received", text=w["mail_text"],
              data={"html": w["mail_html"]}),
        Event(id=new_id(), person_id=person.id, channel="call", direction="inbound",
              occurred_at=at(60 * 24), text=w["call"],
              call=CallInfo(duration_s=185, wait_s=40, agent="Sam", outcome="explained")),
        Event(id=new_id(), person_id=person.id, channel="sms", direction="inbound",
              occurred_at=at(30), from_="+31612345678", status="received",
              text=w["sms_in"]),
    ]
    for event in events:
        await services.timeline.record(event)
    await services.messaging.send_to_person(
        person.id, channel="email", subject=w["reply_subject"], text=w["reply"], author=EMAIL)
    await services.messaging.send_to_person(
        person.id, channel="sms", text=w["sms_out"], author=EMAIL)
    await services.timeline.add_note(person.id, w["note"], author=EMAIL)
    # One failed outbound mail, so a red status chip shows too.
    failed = Event(id=new_id(), person_id=person.id, channel="email", direction="outbound",
                   occurred_at=at(60 * 24 * 3), subject=w["old_subject"],
                   to="anna.devries@old.example", status="bounced", text=w["old_text"],
                   status_history=[
                       StatusChange(status="sent", at=at(60 * 24 * 3)),
                       StatusChange(status="bounced", at=at(60 * 24 * 3 - 2),
                                    detail="550 5.1.1 mailbox unavailable")])
    await services.timeline.record(failed)
    return person.id


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def shrink_png(path: Path) -> None:
    """Re-encode Chromium's 8-bit RGB(A) PNG losslessly, unfiltered at zlib level 9: about a
    fifth smaller for text on flat colours. Kept only when it is smaller."""
    data = path.read_bytes()
    chunks, pos = [], 8
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos:pos + 4])
        chunks.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + size]))
        pos += 12 + size
    header = next(body for kind, body in chunks if kind == b"IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in (2, 6) or interlace:
        return
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    prev, rows = bytearray(stride), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:
                                                           (y + 1) * (stride + 1)])
        for i in range(stride) if kind else ():
            a = line[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + (a, prev[i], (a + prev[i]) >> 1,
                                  _paeth(a, prev[i], c))[kind - 1]) & 255
        rows.append(b"\0" + bytes(line))
        prev = line

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    smaller = (data[:8] + chunk(b"IHDR", header)
               + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))
    if len(smaller) < len(data):
        path.write_bytes(smaller)


async def shoot(page: Page, base: str, person_id: str, out: Path) -> None:
    await page.goto(base + "/login")
    await page.fill("#email", EMAIL)
    await page.fill("#password", PASSWORD)
    await page.screenshot(path=str(out / "login.png"))
    await page.click("button[type=submit]")
    await page.wait_for_selector("h1:has-text('Inbox')")

    await page.fill("#q", "06-1234 5678")
    await page.press("#q", "Enter")
    await page.wait_for_selector("text=Anna de Vries")
    await page.screenshot(path=str(out / "search.png"))

    await page.goto(f"{base}/people/{person_id}")
    await page.wait_for_selector("#events li.event")
    await page.screenshot(path=str(out / "person.png"), full_page=True)

    await page.goto(base + "/outbox")
    await page.wait_for_selector("h1")
    await page.screenshot(path=str(out / "outbox.png"))


async def seed_survey(app: web.Application, language: str) -> tuple[str, list[str]]:
    """An NPS survey answered by 60 demo persons over the last ten months (slowly better),
    some with a comment, two segments to compare, and an event trigger."""
    w = WORDS[language]
    kit = app[SURVEYS]
    survey = await kit.surveys.create(Survey(
        id=new_id(), name=w["survey"], kind="nps", language=language,
        question=w["question"]))
    rng = random.Random(7)
    people = [p for p in await app[STORE].persons.find_matching(MATCH_ALL, limit=120)
              if p.name][:60]
    remarks = {score: w[f"r{score}"] for score in (0, 2, 4, 6, 8, 10)}
    now = datetime.now(UTC)
    for i, person in enumerate(people):
        age = 300 - i * 5 + rng.randint(0, 4)
        score = max(0, min(10, round(rng.gauss(5 + 4 * i / len(people), 2.5))))
        comment = remarks.get(score) if rng.random() < 0.5 else None
        await kit.surveys._answer(  # the service's own path, back-dated for the trend
            survey, person.id, ParsedAnswer(score, comment), channel=rng.choice(
                ["link", "link", "sms", "email"]), send_key=f"screenshot:{i}",
            campaign_id=None, external_id=None, answered_at=now - timedelta(days=age))
    segments = app[CAMPAIGNS].segments
    chosen = [await segments.create(w["seg_dutch"], {"field": "language", "op": "eq",
                                                     "value": "nl"}),
              await segments.create(w["seg_sms"], {"field": "preferred_channel", "op": "eq",
                                                   "value": "sms"}),
              await segments.create(w["seg_prospects"], {"field": "customer_status",
                                                         "op": "eq", "value": "prospect"})]
    await kit.triggers.create(TriggerRule(
        id=new_id(), name=w["trigger"], survey_id=survey.id, outcome="resolved",
        delay_minutes=120, cap_days=90))
    return survey.id, [s.id for s in chosen]


async def shoot_marketing(page: Page, base: str, app: web.Application, person_id: str,
                          out: Path, language: str) -> None:
    """The marketing pages: the segment builder with a nested group and its live count, a
    template previewed as a customer, a campaign run to completion, survey results, the
    analytics dashboard."""
    await page.goto(base + "/login")
    await page.fill("#email", MARKETING_EMAIL)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header.top")
    await page.goto(base + "/segments")
    first = page.locator("#builder .builder-row").first
    await first.locator(".b-field").select_option("customer_status")
    await first.locator(".b-op").select_option("eq")
    await first.locator(".b-value").fill("customer")
    await page.click("#builder .b-add-group")
    inner = page.locator("#builder .builder-group .builder-group").first
    row = inner.locator(".builder-row").first
    await row.locator(".b-field").select_option("consent.email")
    await row.locator(".b-op").select_option("eq")
    await row.locator(".b-value").fill("opted_in")
    await inner.locator(".builder-tools .b-add-row").click()
    second = inner.locator(".builder-row").nth(1)
    await second.locator(".b-field").select_option("preferred_channel")
    await second.locator(".b-value").fill("sms")
    await page.wait_for_timeout(800)
    await page.screenshot(path=str(out / "segments.png"))

    w = WORDS[language]
    kit = app[CAMPAIGNS]
    segment = await kit.segments.create(w["customers"], {"field": "customer_status",
                                                         "op": "eq", "value": "customer"})
    email = await kit.templates.create(MessageTemplate(
        id=new_id(), name=w["mail_name"], channel="email", subject=w["mail_tpl_subject"],
        body=w["mail_tpl_body"]))
    sms = await kit.templates.create(MessageTemplate(
        id=new_id(), name=w["sms_name"], channel="sms", body=w["sms_tpl"]))
    await page.goto(f"{base}/templates/{email.id}?person_id={person_id}")
    await page.wait_for_selector("#preview-text")
    await page.screenshot(path=str(out / "template-preview.png"))
    campaign = await kit.campaigns.create(Campaign(
        id=new_id(), name=w["mail_name"], segment_id=segment.id,
        channels=["preferred", "email", "sms"], language=language,
        templates={"email": email.id, "sms": sms.id}))
    await kit.campaigns.launch(campaign.id)
    await page.goto(f"{base}/campaigns/{campaign.id}")
    await page.wait_for_selector("#c-status.st-completed", timeout=60_000)
    await page.screenshot(path=str(out / "campaign.png"))

    survey_id, compare = await seed_survey(app, language)
    await page.goto(f"{base}/surveys/{survey_id}?" + "&".join(f"compare={c}" for c in compare))
    await page.wait_for_selector("#trend svg")
    await page.set_viewport_size({"width": 1280, "height": 1500})
    await page.screenshot(path=str(out / "survey-results.png"))
    await page.set_viewport_size(VIEWPORT)

    await page.goto(base + "/analytics")
    await page.wait_for_selector("#pyramid svg")
    await page.screenshot(path=str(out / "analytics.png"))


async def main(out: Path, language: str) -> None:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        settings = Settings(
            database_url=f"sqlite:///{tmp}/hub.db", listen_host="127.0.0.1", listen_port=port,
            public_url=f"http://127.0.0.1:{port}", secret_key=secrets.token_urlsafe(32),
            var_dir=Path(tmp) / "var", log_level="WARNING", default_language=language)
        store = await create_store(settings)
        await generate_demo(store, persons=200, seed=1)
        await add_user(store, email=EMAIL, role="service", password=PASSWORD, name="Sam Jansen")
        await add_user(store, email=MARKETING_EMAIL, role="marketing", password=PASSWORD,
                       name="Mia Visser")
        app = create_app(settings, store=store)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            person_id = await seed(app[SERVICES], language)
            async with async_playwright() as driver:
                # --lang: the browser's own widgets (a date field's dd-mm-jjjj) follow it
                browser = await driver.chromium.launch(
                    executable_path=CHROMIUM, headless=True,
                    args=[*ARGS, f"--lang={LOCALES[language]}"])
                where = {"viewport": VIEWPORT, "locale": LOCALES[language],
                         "timezone_id": "Europe/Amsterdam"}
                context = await browser.new_context(**where)
                page = await context.new_page()
                page.set_default_timeout(10_000)
                await shoot(page, f"http://127.0.0.1:{port}", person_id, out)
                context = await browser.new_context(**where)
                page = await context.new_page()
                page.set_default_timeout(10_000)
                await shoot_marketing(page, f"http://127.0.0.1:{port}", app, person_id, out,
                                      language)
                await browser.close()
        finally:
            await runner.cleanup()
            await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", choices=sorted(LOCALES),
                        help="one language only (default: nl, then en)")
    parser.add_argument("--out", type=Path,
                        help="where to write (default: docs/screenshots/, English in en/)")
    arguments = parser.parse_args()
    shots = ROOT / "docs" / "screenshots"
    for language in [arguments.language] if arguments.language else ["nl", "en"]:
        out_dir = arguments.out or (shots if language == "nl" else shots / language)
        out_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(main(out_dir, language))
        for name in ("login", "search", "person", "outbox", "segments", "template-preview",
                     "campaign", "survey-results", "analytics"):
            png = out_dir / f"{name}.png"
            shrink_png(png)
            print(f"{png} ({png.stat().st_size // 1024} KB)")
