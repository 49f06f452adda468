"""The upgrade / downgrade wizard, in four steps that carry their choices in the querystring
(then hidden fields), never in server state:

1. pick the customer's package to change;
2. pick the new package, cycle, options, the setup fee tickbox and the date it takes effect;
3. review the prorated amounts, line by line (subscription_change_preview, writes nothing);
4. generate the invoice or the credit (subscription_change), then show what was made.

Step 3 and step 4 run the same computation, so the invoice is the preview to the cent.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fairbill.accounts.access import staff_required
from fairbill.backoffice.package_forms import ChangeForm
from fairbill.backoffice.views.common import show_error
from fairbill.catalog.models import Cycle
from fairbill.core import clock
from fairbill.core.errors import FairbillError
from fairbill.core.models import Event
from fairbill.customers.models import Customer
from fairbill.subscriptions.changes import subscription_change, subscription_change_preview
from fairbill.subscriptions.models import PackageChange, Subscription
from fairbill.subscriptions.selectors import changeable


def _subscription(customer_pk: int, sub_pk: int) -> Subscription:
    return get_object_or_404(
        Subscription.objects.select_related("customer", "package").prefetch_related(
            "options__option", "options__choice"
        ),
        pk=sub_pk,
        customer_id=customer_pk,
    )


def _render(
    request: HttpRequest, step: int, sub: Subscription | None, **context: Any
) -> HttpResponse:
    customer = sub.customer if sub is not None else context.pop("customer")
    return render(
        request,
        f"backoffice/change/step{step}.html",
        {"nav": "customers", "customer": customer, "subscription": sub, "step": step, **context},
    )


@staff_required("customers")
def change_pick(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: the customer's packages, those changed before highlighted."""
    customer = get_object_or_404(Customer, pk=pk, merged_into__isnull=True)
    subscriptions = list(customer.subscriptions.select_related("package"))
    changed = set(
        PackageChange.objects.filter(subscription__customer=customer).values_list(
            "subscription_id", flat=True
        )
    )
    for sub in subscriptions:
        sub.changed_before = sub.pk in changed  # type: ignore[attr-defined]
        sub.changeable = changeable(sub)  # type: ignore[attr-defined]
    return _render(request, 1, None, customer=customer, subscriptions=subscriptions)


@staff_required("customers")
def change_choose(request: HttpRequest, pk: int, sub_pk: int) -> HttpResponse:
    """Step 2: the new package, cycle and options (prefilled from the querystring on Back)."""
    sub = _subscription(pk, sub_pk)
    initial = {"package": sub.package_id, "cycle": sub.cycle, "as_of": clock.today()}
    if request.GET:
        form = ChangeForm(request.GET, subscription=sub)
        form.is_valid()  # prefill only: errors show once the form is sent
        form.errors.clear()
    else:
        form = ChangeForm(initial=initial, subscription=sub)
    return _render(request, 2, sub, form=form)


@staff_required("customers")
def change_review(request: HttpRequest, pk: int, sub_pk: int) -> HttpResponse:
    """Step 3: what the change would invoice or credit, writing nothing."""
    sub = _subscription(pk, sub_pk)
    form = ChangeForm(request.GET, subscription=sub)
    if not form.is_valid():
        return _render(request, 2, sub, form=form)
    try:
        plan = subscription_change_preview(subscription=sub, **form.choices())
    except FairbillError as exc:
        show_error(form, exc)
        return _render(request, 2, sub, form=form)
    return _render(
        request,
        3,
        sub,
        plan=plan,
        to_cycle=Cycle(plan.to_cycle).label,
        carried=_carried(request.GET),
        back=f"{reverse('backoffice:change_choose', args=[pk, sub_pk])}?{request.GET.urlencode()}",
        can_invoice=request.user.has_privilege("invoices"),  # type: ignore[union-attr]
    )


def _carried(query: QueryDict) -> list[tuple[str, str]]:
    """The step 2 choices, as hidden fields for step 4."""
    return [(key, value) for key, values in query.lists() for value in values]


@require_POST
@staff_required("customers")
def change_generate(request: HttpRequest, pk: int, sub_pk: int) -> HttpResponse:
    """Step 4: make the change (an invoice, or credit on a downgrade)."""
    if not request.user.has_privilege("invoices"):  # type: ignore[union-attr]
        raise PermissionDenied("You need the 'invoices' privilege to generate the invoice.")
    sub = _subscription(pk, sub_pk)
    form = ChangeForm(request.POST, subscription=sub)
    if form.is_valid():
        try:
            _, change = subscription_change(actor=request.actor, subscription=sub, **form.choices())  # type: ignore[attr-defined]
        except FairbillError as exc:
            show_error(form, exc)
        else:
            return redirect("backoffice:change_done", pk=pk, change_pk=change.pk)
    return _render(request, 2, sub, form=form)


@staff_required("customers")
def change_done(request: HttpRequest, pk: int, change_pk: int) -> HttpResponse:
    """What the change made: the invoice (or the credit) and its place in the history."""
    change = get_object_or_404(
        PackageChange.objects.select_related(
            "subscription__customer", "from_package", "to_package", "invoice"
        ),
        pk=change_pk,
        subscription__customer_id=pk,
    )
    invoice = change.invoice
    events = Event.objects.filter(subject_type="subscription", subject_id=change.subscription_id)
    return _render(
        request,
        4,
        change.subscription,
        change=change,
        invoice=invoice,
        lines=list(invoice.lines.all()) if invoice else [],
        events=list(events[:10]),
    )
