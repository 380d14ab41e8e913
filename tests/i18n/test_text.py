"""A message made before the reader is known (`hub.i18n.text.Text`): English wherever it is a
plain string, the reader's language wherever it is localised, including its placeholders and
an English reason read back from storage."""

from __future__ import annotations

import pickle

from hub.errors import InvalidInput, NotFound
from hub.i18n import N_
from hub.i18n.catalogues import translations
from hub.i18n.text import Text, joined, localise, reread
from hub.services.outbound import REASONS

DUTCH = translations("nl").gettext
ENGLISH = translations("en").gettext


def test_an_error_reads_english_and_translates_at_the_edge() -> None:
    error = NotFound(N_("no campaign %(campaign_id)s"), params={"campaign_id": "c1"})
    assert error.message == str(error) == "no campaign c1"
    assert localise(error.message, DUTCH) == "geen campagne c1"
    assert localise(error.message, ENGLISH) == "no campaign c1"
    plain = InvalidInput("a message nobody marked")
    assert localise(plain.message, DUTCH) == "a message nobody marked"


def test_placeholders_that_are_texts_are_translated_too() -> None:
    reason = Text(N_("opted out of %(channel)s"), {"channel": Text(N_("email"))})
    assert reason == "opted out of email"
    assert localise(reason, DUTCH) == "afgemeld voor e-mail"
    typed = Text(N_("unknown field %(name)s"), {"name": "email"})  # what someone typed
    assert localise(typed, DUTCH) == "onbekend veld email"


def test_joined_reasons_translate_each_part() -> None:
    both = joined([Text(N_("no email address")), Text(N_("no phone number"))])
    assert both == "no email address; no phone number"
    assert localise(both, DUTCH) == "geen e-mailadres; geen telefoonnummer"


def test_a_stored_english_reason_is_read_back() -> None:
    stored = "opted out of email; no phone number; sms: carrier said no"
    again = reread(stored, REASONS)
    assert again == stored
    assert localise(again, DUTCH) == "afgemeld voor e-mail; geen telefoonnummer; sms: " \
        "carrier said no"
    assert reread("something else", REASONS) == "something else"


def test_a_text_survives_pickling_and_percent_signs() -> None:
    text = Text(N_("%(name)s must be a share between 0 and 1"), {"name": "top"})
    assert pickle.loads(pickle.dumps(text)).msgid == text.msgid
    assert Text("100% sure") == "100% sure"  # no params: never %-formatted
