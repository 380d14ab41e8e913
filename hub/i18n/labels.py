"""How stored codes read on a page: `opted_in` is "toestemming" to a Dutch reader. The codes
themselves (in the database, the API, form values, CSS classes) never change; only the text
shown does, through the `label` filter (`hub.web.templating`). A code not listed here shows
as it is."""

from __future__ import annotations

from hub.i18n import N_

LABELS: dict[str, str] = {
    # channels (hub.domain.channels) and event directions
    "email": N_("email"), "sms": N_("SMS"), "whatsapp": N_("WhatsApp"), "call": N_("call"),
    "webform": N_("web form"), "survey": N_("survey"), "note": N_("note"),
    "system": N_("system"), "preferred": N_("preferred"),
    # consent (hub.domain.consent)
    "opted_in": N_("opted in"), "opted_out": N_("opted out"), "unknown": N_("unknown"),
    "pending": N_("pending confirmation"), "cancelled": N_("cancelled"), "topic": N_("topic"),
    # customer status (hub.domain.parties)
    "prospect": N_("prospect"), "customer": N_("customer"), "inactive": N_("inactive"),
    "lost": N_("lost"),
    # analytics levels and customer migration (campaigns.analytics)
    "person": N_("person"), "household": N_("household"), "organisation": N_("organisation"),
    "acquired": N_("acquired"), "retained": N_("retained"), "upgraded": N_("upgraded"),
    "downgraded": N_("downgraded"), "won_back": N_("won back"),
    # campaign counters (hub.domain.campaigns)
    "audience": N_("audience"), "queued": N_("queued"), "sent": N_("sent"),
    "delivered": N_("delivered"), "failed": N_("failed"), "skipped": N_("skipped"),
    "replied": N_("replied"), "responses": N_("responses"),
    # survey answers (campaigns.surveys.label) and customer tiers (campaigns.analytics)
    "promoter": N_("promoter"), "passive": N_("passive"), "detractor": N_("detractor"),
    "satisfied": N_("satisfied"), "neutral": N_("neutral"),
    "dissatisfied": N_("dissatisfied"), "top": N_("top"), "large": N_("large"),
    "medium": N_("medium"), "small": N_("small"),
    # channel set-up modes (hub.web.ui.admin_channels)
    "configured": N_("configured"), "sandbox": N_("sandbox"), "off": N_("off"),
    # life stages (the demo's codes), shown with a member on a household's timeline
    "single": N_("single"), "couple": N_("couple"), "young_family": N_("young family"),
    "family": N_("family"), "empty_nest": N_("empty nest"), "retired": N_("retired"),
    "student": N_("student"), "living_with_parents": N_("living with parents"),
    # journeys: statuses, enrolment states, step outcomes, A/B metrics (hub.domain.journeys)
    "active": N_("active"), "archived": N_("archived"), "done": N_("finished"),
    "exited": N_("left early"), "deferred": N_("deferred"), "waiting": N_("waiting"),
    "waited": N_("waited"), "event": N_("it happened"), "timeout": N_("timed out"),
    "yes": N_("yes"), "no": N_("no"), "updated": N_("updated"), "notified": N_("staff told"),
    "exit": N_("exit"), "goal": N_("goal reached"), "waiting_for_ab": N_("waits for the A/B "
                                                                        "decision"),
    "replies": N_("replies"), "conversion": N_("conversions"),
    "survey_score": N_("survey score"),
    # campaign statuses and actions (hub.domain.campaigns) and delivery counters
    "draft": N_("draft"), "scheduled": N_("scheduled"), "running": N_("running"),
    "paused": N_("paused"), "completed": N_("completed"),
    "launch": N_("Launch"), "pause": N_("Pause"), "resume": N_("Resume"),
    "cancel": N_("Cancel"),
    "language_fallbacks": N_("language fallbacks"),
    # event directions and the survey answer channel "link"
    "inbound": N_("inbound"), "outbound": N_("outbound"), "link": N_("link"),
    "internal": N_("internal"), "none": N_("none"),
    # event statuses (hub.domain.events)
    "accepted": N_("accepted"), "bounced": N_("bounced"), "canceled": N_("cancelled"),
    "partially_delivered": N_("partially delivered"), "read": N_("read"),
    "received": N_("received"), "receiving": N_("receiving"), "sending": N_("sending"),
    "undelivered": N_("undelivered"),
    "message": N_("message"),
}
