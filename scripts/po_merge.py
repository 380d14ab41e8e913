"""Git merge driver for the message catalogues: the union of both sides' texts.

Two branches that each add translations touch the same .po files in the same places, so a
line merge conflicts although nothing disagrees. Registered locally with
    git config merge.po-union.driver '.venv/bin/python scripts/po_merge.py %O %A %B'
(.gitattributes names the driver for *.po). Where both sides translate one text differently,
ours wins and the text is printed, so a person can check it.
"""

import sys

from babel.messages.pofile import read_po, write_po


def main(base_path: str, ours_path: str, theirs_path: str) -> int:
    with open(ours_path, "rb") as f:
        ours = read_po(f)
    with open(theirs_path, "rb") as f:
        theirs = read_po(f)
    with open(base_path, "rb") as f:
        base = read_po(f)
    for message in theirs:
        if not message.id:
            continue
        mine = ours.get(message.id, message.context)
        if mine is None:
            if base.get(message.id, message.context) is None:  # added by theirs
                ours[message.id] = message
            continue
        if message.string and not _filled(mine.string):
            mine.string = message.string
        elif message.string and message.string != mine.string:
            print(f"po merge: kept our translation of {message.id!r}", file=sys.stderr)
        mine.locations = sorted(set(mine.locations) | set(message.locations))
    with open(ours_path, "wb") as f:
        write_po(f, ours, width=100, sort_output=False)
    return 0


def _filled(string: object) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
