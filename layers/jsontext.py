"""Text that is already JSON: large answers written out directly are spliced into responses as they are."""

from __future__ import annotations


class RawJSON(str):
    """A JSON value as text (see ``web.responses.json_response``)."""
