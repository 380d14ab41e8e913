"""Texts that the staff UI's Python modules (`hub/web/ui/`) hand to `templates/ui/error.html`,
marked here for extraction until those modules mark their own texts: the template
translates them with `_(title)` and `_(message)`; a text not listed here shows as it is."""

from __future__ import annotations

from hub.i18n import N_

ERROR_PAGE_TEXTS = (
    # hub.web.ui.render.error_page titles
    N_("Bad request"), N_("Not allowed"), N_("Not found"), N_("Conflict"), N_("Gone"),
    N_("Too large"), N_("Check your input"), N_("Too many attempts"),
    N_("Something went wrong"),
    # messages (hub.web.ui.guard, admin, records, marketing.triggers_ui)
    N_("Your session has ended. Log in again."),
    N_("The form's security token is missing or out of date. Go back, reload the page and "
       "try again."),
    N_("There is no such token, or it was revoked before."),
    N_("There is no such quarantine entry."), N_("This entry cannot be retried here."),
    N_("There is no such user."), N_("This trigger belongs to another survey."),
    N_("Switch a trigger on or off."),
)
