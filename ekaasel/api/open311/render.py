"""Open311 answers in both formats the spec requires: JSON, and XML with one element per list item."""

from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse, JsonResponse

# The element name of the items of each XML list (the spec's names).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM_NAMES.get(element.tag, "item")), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def respond(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    """`data` as JSON (as is) or as XML under the element `root`."""
    if fmt == "json":
        return JsonResponse(data, status=status, safe=False)
    element = ET.Element(root)
    _fill(element, data)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error format: a list of {code, description}."""
    return respond(fmt, "errors", [{"code": status, "description": description}], status=status)
