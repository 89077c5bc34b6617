"""The audit in progress, carried by the browser in a signed hidden form field.

Without a data directory the server keeps nothing between requests: every page holds the
answers so far in one hidden field, ``zustand``. Its value is the :class:`AuditState` as
JSON, compressed with zlib and signed with HMAC-SHA256 (itsdangerous). A cookie would hold
at most about 4 KB, less than a profile with notes; a form field has no such limit, works
without JavaScript and leaves nothing behind when the tab is closed.

The signature is checked before anything is decompressed or parsed, so a changed or
invented state is refused without looking at it; a signed state is validated all the same
(as a profile, when it is audited). The key is random per server start unless one is
configured; a state signed with another key is refused with a message that says how to
continue (upload the profile).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from kundenkompass.errors import KundenkompassError
from kundenkompass.tools.questionnaire.questions import ProfileDraft
from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: Longest accepted value of the state field (a full profile with notes is far smaller).
MAX_STATE_CHARS = 256_000
#: Version of the state's layout; a state of another version is refused.
STATE_VERSION = 1
_SALT = "kundenkompass.web.state"


class StateError(KundenkompassError):
    """The state field is missing, too large, changed or of another server start."""

    exit_code = 2

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AuditState(BaseModel):
    """Everything an audit in progress holds: the answers and the website's evidence."""

    model_config = ConfigDict(extra="forbid")

    version: int = STATE_VERSION
    draft: ProfileDraft = Field(default_factory=ProfileDraft)
    #: ``[[website_evidence]]`` of the profile, as ``audit collect`` wrote it.
    evidence: list[dict[str, Any]] = Field(default_factory=list)
    #: The audit's file in the data directory (``audit serve --data-dir``), once saved.
    audit_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose (state, login, CSRF) from the configured secret."""
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()


def random_secret() -> str:
    return secrets.token_urlsafe(32)


class StateCodec:
    """Signs and reads the state field."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(derive_key(secret, "state"), salt=_SALT)

    def dump(self, state: AuditState) -> str:
        data = state.model_dump(mode="json", exclude_defaults=False)
        signed = self._serializer.dumps(data)
        return signed if isinstance(signed, str) else signed.decode("ascii")

    def load(self, raw: str | None) -> AuditState:
        if not raw:
            raise StateError(
                "Dieser Seite fehlt der Bearbeitungsstand. Beginnen Sie ein neues Audit oder "
                "laden Sie Ihre Profildatei hoch."
            )
        if len(raw) > MAX_STATE_CHARS:
            raise StateError(
                f"Der Bearbeitungsstand ist zu groß (höchstens {MAX_STATE_CHARS:,} Zeichen).".replace(
                    ",", "."
                ),
                status=413,
            )
        try:
            data = self._serializer.loads(raw)
        except BadSignature:
            raise StateError(
                "Der Bearbeitungsstand ist ungültig: Er wurde verändert oder stammt von einem "
                "früheren Start des Dienstes. Laden Sie Ihre zuletzt heruntergeladene "
                "Profildatei hoch, um weiterzumachen."
            ) from None
        try:
            state = AuditState.model_validate(data)
        except ValidationError:
            raise StateError("Der Bearbeitungsstand hat eine unbekannte Form.") from None
        if state.version != STATE_VERSION:
            raise StateError("Der Bearbeitungsstand stammt von einer anderen Version.")
        return state
