"""The words the pages' scripts write (static/marketing.js): handed to the script by the page,
in the viewer's language, as a JSON block (`<script type="application/json" id="ui-texts">`,
data and not code, so the CSP's no-inline-script rule holds). The script keeps no English of
its own; numbers it writes go through the browser's `Intl.NumberFormat` in the page's
`lang`. Placeholders are `{name}`, filled by the script."""

from __future__ import annotations

from jinja2 import pass_context
from jinja2.runtime import Context

from hub.domain.campaigns import TRANSITIONS
from hub.i18n import N_
from hub.i18n.labels import LABELS
from hub.web.templating import viewer

SCRIPT_TEXTS: dict[str, str] = {
    "field": N_("Field"),
    "operator": N_("Operator"),
    "value": N_("Value"),
    "value_hint": N_("value (lists: a, b)"),
    "remove_condition": N_("Remove condition"),
    "combine": N_("Combine"),
    "persons_matching": N_("Persons matching"),
    "add_condition": N_("+ condition"),
    "add_group": N_("+ group"),
    "remove_group": N_("remove group"),
    "cannot_count": N_("The filter cannot be counted."),
    "bad_json": N_("The filter is not valid JSON."),
    "no_name": N_("(no name)"),
    "copied": N_("Copied"),
    "sms_one": N_("{characters} characters · 1 segment · {encoding} (before personalisation)"),
    "sms_many": N_("{characters} characters · {segments} segments · {encoding} (before "
                   "personalisation)"),
}


@pass_context
def script_texts(context: Context) -> dict[str, object]:
    """SCRIPT_TEXTS in the viewer's language, with the campaign statuses by code."""
    seen = viewer(context)
    texts: dict[str, object] = {key: seen.gettext(text) for key, text in SCRIPT_TEXTS.items()}
    texts["status"] = {status: seen.gettext(LABELS.get(status, status))
                       for status in TRANSITIONS}
    return texts
