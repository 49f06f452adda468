"""The history reads as words: every action written in fairbill/ has a title, data is prose."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fairbill.backoffice.event_text import EVENT_TITLES, event_details, event_title
from fairbill.core.models import Event
from fairbill.customers.merge import customer_merge
from fairbill.customers.models import Status
from fairbill.customers.services import customer_create, customer_note_add

SOURCE = Path(__file__).resolve().parents[2] / "fairbill"
EVENT_FUNCTIONS = {"event_record", "event_row", "event_build"}


def _constants() -> dict[str, str]:
    """Module-level NAME = "text" constants of every module (e.g. ORDER_PLACED)."""
    found: dict[str, str] = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        found[target.id] = node.value.value
    return found


def _resolve(node: ast.expr, constants: dict[str, str], where: str) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name) and node.id in constants:
        return {constants[node.id]}
    if isinstance(node, ast.IfExp):  # "a" if x else "b": both
        return _resolve(node.body, constants, where) | _resolve(node.orelse, constants, where)
    if isinstance(node, ast.JoinedStr):
        # f"subscription.{status}": one action per status
        parts = node.values
        if (
            len(parts) == 2
            and isinstance(parts[0], ast.Constant)
            and isinstance(parts[1], ast.FormattedValue)
            and isinstance(parts[1].value, ast.Name)
            and parts[1].value.id == "status"
        ):
            return {f"{parts[0].value}{status}" for status in Status.values}
    raise AssertionError(
        f"{where}: can't tell which action {ast.unparse(node)} is; teach this test"
    )


def actions_written() -> set[str]:
    """Every action passed to event_record/event_row/event_build, or as an "action" key."""
    constants = _constants()
    actions: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        where = str(path.relative_to(SOURCE.parent))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in EVENT_FUNCTIONS:
                    for keyword in node.keywords:
                        if keyword.arg == "action":
                            actions |= _resolve(keyword.value, constants, where)
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    is_action = isinstance(key, ast.Constant) and key.value == "action"
                    if is_action and not (isinstance(value, ast.Name) and value.id == "action"):
                        actions |= _resolve(value, constants, where)
    return actions


def test_every_action_written_in_fairbill_has_a_title():
    written = actions_written()
    assert len(written) > 50  # the scan found the calls
    assert {"customer.merged", "subscription.error", "order.placed", "demo.loaded"} <= written
    missing = sorted(written - set(EVENT_TITLES))
    assert missing == [], (
        f"give these actions a title in fairbill/backoffice/event_text.py: {missing}"
    )


def test_titles_are_words_not_codes():
    for action, title in EVENT_TITLES.items():
        assert not {".", "_"} & set(title), action
        assert title[0].isupper(), action
    assert event_title("subscription.error").startswith("Package set to error")
    assert event_title("something.new_here") == "Something new here"


def test_data_reads_as_prose():
    event = Event(
        action="customer.merged",
        data={
            "source": "Oliver Twist",
            "moved": {"customer notes": 1, "invoices": 2},
            "source_status": ["active", "cancelled"],
            "public": False,
        },
    )
    assert event_details(event) == [
        "source: Oliver Twist",
        "moved: 1 customer notes, 2 invoices",
        "source status: active → cancelled",
        "public: no",
    ]
    fields = Event(action="email_template.updated", data={"fields": ["cc", "subject"]})
    assert event_details(fields) == ["fields: cc, subject"]
    staff = Event(action="staff.created", data={"privileges": ["customers", "invoices"]})
    assert event_details(staff) == ["privileges: customers, invoices"]
    paid = Event(
        action="payment.recorded",
        data={"method": "bank_transfer", "kind": "credit_note", "status": ["paid", "paid"]},
    )
    assert event_details(paid) == ["method: bank transfer", "kind: credit note"]
    named = Event(
        action="customer.updated",
        data={"username": ["jane_doe", "john_smith"], "reference": "acme_hosting"},
    )
    assert event_details(named) == ["username: jane_doe → john_smith", "reference: acme_hosting"]


@pytest.mark.django_db
def test_customer_history_after_a_merge_shows_words_not_python(staff_client, customer, system):
    # given a duplicate with a note merged into the customer
    duplicate = customer_create(
        actor=system, name="Jane Smith", email="j.smith@example.org", country="GB"
    )
    customer_note_add(actor=system, customer=duplicate, body="Moved", public=False)
    customer_merge(actor=system, target=customer, source=duplicate)
    # when staff open the customer page
    html = staff_client.get(f"/customers/{customer.pk}/history/").content.decode()
    history = html.split('id="history"', 1)[1]
    # then the merge reads as words, with its counts in a sentence
    assert "Another customer merged into this one" in history
    assert "moved: 1 customer notes" in history
    assert "{&#x27;" not in history
    assert "{'" not in history
    assert "<code>customer.merged</code>" not in history
