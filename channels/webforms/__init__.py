"""Web forms: parse and validate a submission against its form definition, spot honeypot spam,
and limit how often one client may post. Recording the submission is `hub.services.forms`'s job;
serving the page is `hub.web.public`'s."""

from channels.webforms.ratelimit import ClientBuckets
from channels.webforms.submission import Submission, parse_submission

__all__ = [
    "ClientBuckets",
    "Submission",
    "parse_submission",
]
