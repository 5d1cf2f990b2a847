"""The citizen's own address behind nginx and load balancers, in REMOTE_ADDR where every limit reads it.

Behind a reverse proxy every request comes from the proxy's address, so the per-address limits on
one-time codes and forms would count all citizens together, and the Kannel callbacks' address check
would pass for anyone. When the request comes from a proxy listed in settings.TRUSTED_PROXIES
(addresses or networks), this middleware takes the client from X-Forwarded-For: the right-most
address that is not itself a trusted proxy (the left-most ones are whatever the client claimed).
Requests from anywhere else keep their socket address; an unreadable header changes nothing.
"""

from collections.abc import Callable, Iterable
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from django.conf import settings
from django.http import HttpRequest, HttpResponse

type Network = IPv4Network | IPv6Network


def trusted_networks(entries: Iterable[str]) -> list[Network]:
    return [ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()]


def client_address(peer: str, forwarded_for: str, trusted: list[Network]) -> str:
    """The client's address: `peer` itself unless it is a trusted proxy that forwarded the request."""

    def is_trusted(address: str) -> bool:
        try:
            parsed = ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in trusted)

    if not trusted or not is_trusted(peer):
        return peer
    client = peer
    for hop in reversed([hop.strip() for hop in forwarded_for.split(",") if hop.strip()]):
        try:
            ip_address(hop)
        except ValueError:
            break  # not an address: stop at the last one we could read
        client = hop
        if not is_trusted(hop):
            break
    return client


class ClientAddressMiddleware:
    """Early in MIDDLEWARE: later middleware and views read the client's address from REMOTE_ADDR."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def trusted(self) -> list[Network]:
        return trusted_networks(getattr(settings, "TRUSTED_PROXIES", []))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        request.META["REMOTE_ADDR"] = client_address(peer, request.META.get("HTTP_X_FORWARDED_FOR", ""),
                                                     self.trusted)
        return self.get_response(request)
