"""Phone normalisation is cached (inbound SMS webhooks normalise the same senders again and
again): a repeated number gets the same answer, a bad one is refused every time with its own
text, and the default region stays part of the question."""

from __future__ import annotations

import pytest

from hub.domain.identities import normalise_phone
from hub.errors import InvalidInput


def test_repeated_numbers_and_regions() -> None:
    assert [normalise_phone("06 12345678", "NL") for _ in range(3)] == ["+31612345678"] * 3
    assert normalise_phone("0612345678", "NL") == "+31612345678"
    assert normalise_phone("030 1234567", "NL") == "+31301234567"
    with pytest.raises(InvalidInput):
        normalise_phone("030 1234567", "US")  # the same digits read in another region


@pytest.mark.parametrize("raw", ["0612", "not a number"])
def test_a_bad_number_is_refused_every_time_with_its_own_text(raw: str) -> None:
    for spaced in (raw, f" {raw} "):
        with pytest.raises(InvalidInput) as refused:
            normalise_phone(spaced, "NL")
        assert refused.value.details == {"phone": spaced}
