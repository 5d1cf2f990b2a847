"""Behind nginx or a load balancer, limits and address checks see the citizen's address, not the proxy's;
nobody else can choose his address by sending X-Forwarded-For."""

import pytest
from django.test import Client, override_settings

from ekaasel.core.client_address import client_address, trusted_networks

PROXIES = trusted_networks(["127.0.0.1", "10.0.0.0/24"])


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("127.0.0.1", "203.0.113.9", "203.0.113.9"),  # nginx in front
    ("127.0.0.1", "203.0.113.9, 10.0.0.5", "203.0.113.9"),  # load balancer, then nginx
    ("127.0.0.1", "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the client's own claim is not believed
    ("127.0.0.1", "", "127.0.0.1"),
    ("127.0.0.1", "not-an-address", "127.0.0.1"),
    ("127.0.0.1", "10.0.0.5, 127.0.0.1", "10.0.0.5"),  # only proxies: the farthest one
    ("203.0.113.7", "198.51.100.1", "203.0.113.7"),  # not from a proxy: the header is ignored
])
def test_client_address_from_trusted_proxies_only(peer, forwarded, expected):
    assert client_address(peer, forwarded, PROXIES) == expected


def test_without_trusted_proxies_the_socket_address_stands():
    assert client_address("127.0.0.1", "203.0.113.9", []) == "127.0.0.1"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["127.0.0.1"], KANNEL_ALLOWED_IPS=["10.0.0.20"], KANNEL_SHARED_SECRET="s3cret")
def test_through_the_proxy_only_the_gateways_own_address_passes_the_kannel_check():
    client = Client(REMOTE_ADDR="127.0.0.1")  # every request arrives from nginx
    url = "/sms/dlr/kannel?secret=s3cret&message=1&status=1"
    from_gateway = client.get(url, HTTP_X_FORWARDED_FOR="10.0.0.20")
    from_elsewhere = client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.9")
    from_nginx_itself = client.get(url)
    assert from_gateway.status_code != 403
    assert from_elsewhere.status_code == 403
    assert from_nginx_itself.status_code == 403  # 127.0.0.1 is not the gateway's address
