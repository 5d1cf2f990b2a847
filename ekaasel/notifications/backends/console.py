"""Development backend: the SMS goes to the log, and /dev/sms/ shows the outbox rows."""

import logging
import uuid

from ekaasel.notifications.backends.base import SendResult, SmsBackend

logger = logging.getLogger("ekaasel.sms")


class ConsoleBackend(SmsBackend):
    """Logs every SMS to the `ekaasel.sms` logger and always accepts it. Never for production:
    the log then holds phone numbers and one-time codes."""

    def send(self, *, to: str, text: str, message_id: int) -> SendResult:
        """Log the SMS and return a made-up provider id."""
        provider_message_id = f"console-{message_id}-{uuid.uuid4().hex[:8]}"
        logger.info("SMS #%s from %s to %s: %s", message_id, self.sender, to, text)
        return SendResult(provider_message_id=provider_message_id)
