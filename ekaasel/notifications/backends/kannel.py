"""Kannel backend: one HTTP GET to Kannel's smsbox `cgi-bin/sendsms` per message (standard library only).

Settings (read with defaults, so the backend imports before they are configured):
    KANNEL_SENDSMS_URL   e.g. "http://127.0.0.1:13013/cgi-bin/sendsms"
    KANNEL_USERNAME, KANNEL_PASSWORD   a `sendsms-user` group of kannel.conf
    SMS_SENDER           the `from` (short code or alphanumeric sender)
    KANNEL_DLR_URL       absolute URL of our delivery-report endpoint, with "{message_id}" where the
                         outbox id goes, e.g. PORTAL_URL + "/sms/dlr/kannel?message={message_id}"; the
                         backend adds "&status=%d&secret=…" (Kannel replaces %d with the report type)
    KANNEL_SHARED_SECRET the secret our endpoints check; also put into the dlr-url
    KANNEL_DLR_MASK      default 31: delivered, failed, buffered, accepted by SMSC, rejected by SMSC
    KANNEL_TIMEOUT_SECONDS  default 10

Encoding: text that fits the GSM 7-bit alphabet goes as is; anything else (Dzongkha) as UCS-2 with
`coding=2&charset=UTF-8`: we send UTF-8 and Kannel converts it. Long texts are sent whole: Kannel splits
them into concatenated parts itself (`sendsms-user` `concatenation = true`, `max-messages`, see
deploy/kannel/kannel.conf), so one outbox row is one logical SMS however many parts it takes.

Kannel's answers: "0: Accepted for delivery" and "3: Queued for later delivery" (both HTTP 202) mean
Kannel has the message; "queued" only says no SMSC link is up right now and bearerbox keeps it in its
store until one is, so both are success (a retry from our side would send the SMS twice). 403
(authorisation), other 4xx (bad number, missing text) are permanent; 5xx, timeouts and refused
connections are temporary.
"""

import urllib.error
import urllib.parse
import urllib.request
from typing import Final

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ekaasel.notifications.backends.base import PermanentFailure, SendResult, SmsBackend, TemporaryFailure

DEFAULT_SENDSMS_URL: Final = "http://127.0.0.1:13013/cgi-bin/sendsms"
# 1 delivered + 2 undeliverable + 4 buffered + 8 accepted by the SMSC + 16 rejected by the SMSC.
DEFAULT_DLR_MASK: Final = 31
DEFAULT_TIMEOUT_SECONDS: Final = 10.0
ACCEPTED_PREFIXES: Final = ("0:", "3:")

# The GSM 03.38 default alphabet and its extension table (the extension characters cost two septets).
GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION: Final = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    """True when every character of `text` is in the GSM 7-bit alphabet (so no UCS-2 is needed)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def sms_parts(text: str) -> int:
    """How many SMS parts `text` takes: 160/153 septets in GSM 7-bit, 70/67 UTF-16 units in UCS-2."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-be")) // 2
        single, part = 70, 67
    if units <= single:
        return 1
    return -(-units // part)


class KannelBackend(SmsBackend):
    """Sends through Kannel's HTTP sendsms interface and asks for delivery reports to our endpoint."""

    def __init__(self, *, sender: str | None = None) -> None:
        super().__init__(sender=sender)
        self.url: str = getattr(settings, "KANNEL_SENDSMS_URL", DEFAULT_SENDSMS_URL)
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise ImproperlyConfigured("KANNEL_SENDSMS_URL must be an http:// or https:// address.")
        self.username: str = getattr(settings, "KANNEL_USERNAME", "")
        self.password: str = getattr(settings, "KANNEL_PASSWORD", "")
        self.dlr_url: str = getattr(settings, "KANNEL_DLR_URL", "")
        self.shared_secret: str = getattr(settings, "KANNEL_SHARED_SECRET", "")
        self.dlr_mask: int = int(getattr(settings, "KANNEL_DLR_MASK", DEFAULT_DLR_MASK))
        self.timeout: float = float(getattr(settings, "KANNEL_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))

    def delivery_report_url(self, message_id: int) -> str:
        """Our dlr-url for one message: Kannel substitutes %d (report type) and %T (time) when it calls."""
        base = self.dlr_url.replace("{message_id}", str(message_id))
        if "{message_id}" not in self.dlr_url:
            base += ("&" if "?" in base else "?") + f"message={message_id}"
        extra = "&status=%d&at=%T"
        if self.shared_secret:
            extra += "&secret=" + urllib.parse.quote(self.shared_secret, safe="")
        return base + extra

    def request_url(self, *, to: str, text: str, message_id: int) -> str:
        """The full sendsms URL for one message (exposed for tests)."""
        params: dict[str, str] = {
            "username": self.username,
            "password": self.password,
            "from": self.sender,
            "to": to,
            "text": text,
        }
        if not is_gsm7(text):
            params.update(coding="2", charset="UTF-8")
        if self.dlr_url:
            params.update({"dlr-mask": str(self.dlr_mask), "dlr-url": self.delivery_report_url(message_id)})
        separator = "&" if "?" in self.url else "?"
        return self.url + separator + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)

    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        """One sendsms GET; "0:" and "3:" answers are success, see the module docstring for failures."""
        url = self.request_url(to=to, text=text, message_id=message_id)
        try:
            # The URL comes from settings and __init__ allows only http(s): bandit's B310 does not apply.
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                status, body = response.status, response.read(2000).decode("utf-8", "replace").strip()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read(2000).decode("utf-8", "replace").strip()
        except OSError as exc:  # URLError, timeouts and refused connections are all OSError
            reason = getattr(exc, "reason", exc)
            raise TemporaryFailure(f"Kannel unreachable: {reason}") from exc
        if 200 <= status < 300 and body.startswith(ACCEPTED_PREFIXES):
            # Kannel 1.4 gives no message id in the answer; the dlr-url carries our outbox id instead.
            return SendResult(provider_message_id=f"kannel-{message_id}")
        if status >= 500 or status == 429 or 200 <= status < 300:
            raise TemporaryFailure(f"Kannel answered {status}: {body[:500]}")
        if status == 403:
            raise PermanentFailure(f"Kannel refused the credentials (403): {body[:500]}")
        raise PermanentFailure(f"Kannel rejected the message ({status}): {body[:500]}")
