"""Every schema of the API document has a name of its own: two classes with one name would
share one component in the document, and one of them would be described wrongly."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from fairbill.api.api import api  # noqa: F401 (imports every router)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def test_no_two_api_schemas_share_a_name():
    by_name: dict[str, list[str]] = defaultdict(list)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("fairbill.api"):
            by_name[cls.__name__].append(cls.__module__)
    shared = {name: modules for name, modules in by_name.items() if len(modules) > 1}
    assert shared == {}
