"""The public order forms: /order/<slug>/ (no login)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from fairbill.accounts.addresses import client_ip
from fairbill.accounts.throttle import count_failure, throttled
from fairbill.core import clock
from fairbill.core.errors import FairbillError
from fairbill.core.models import BusinessSettings
from fairbill.customers.models import PaymentMethod
from fairbill.invoicing.models import Invoice
from fairbill.invoicing.tax import TaxTable
from fairbill.orders.services import (
    Offer,
    OrderResult,
    Quote,
    TooManyOrders,
    order_choice_check,
    order_form_get,
    order_form_offer,
    order_place,
    order_quote,
    order_repeated,
    order_token_new,
)
from fairbill.payments.gateways import payment_gateway
from fairbill.portal.forms import OrderPlaceForm, error_to_form, lenient_choice

PLACED = "fairbill_order_placed"  # session: the invoice of the order just placed
# session: "save this card" was chosen; the thank-you page's Pay button passes it on to the
# invoice payment (portal:invoice_pay), which saves the card as any invoice payment does
SAVE_CARD = "fairbill_order_save_card"
BACKEND = "django.contrib.auth.backends.ModelBackend"
SECRET_FIELDS = {"password1", "password2", "csrfmiddlewaretoken", "website", "action"}
FIELD_ALIASES = {"password": "password1", "options": "__all__"}
KNOWN_EMAIL = "If you already have an account, log in to My Account to order."


def _offer(slug: str) -> tuple[Any, BusinessSettings, Offer]:
    try:
        order_form = order_form_get(slug=slug)
    except FairbillError:
        raise Http404("No such order form.") from None
    business = BusinessSettings.load()
    return order_form, business, order_form_offer(order_form=order_form, currency=business.currency)


def _form(offer: Offer, business: BusinessSettings, **kwargs: Any) -> OrderPlaceForm:
    gateway = payment_gateway()
    return OrderPlaceForm(
        offer=offer,
        business=business,
        card_label=gateway.label if gateway.online else "",
        saves_methods=gateway.saves_methods,
        **kwargs,
    )


def _defaults(offer: Offer, business: BusinessSettings) -> dict[str, Any]:
    cycles = offer.cycles
    initial: dict[str, Any] = {
        "country": str(business.country.code) if business.country else "GB",
        "cycle": "monthly" if "monthly" in cycles else (cycles[0] if cycles else ""),
        "order_token": order_token_new(),
    }
    if offer.packages:
        initial["package"] = offer.packages[0].package.pk
    return initial


def _quote(offer: Offer, business: BusinessSettings, data: Any) -> tuple[Quote | None, str]:
    """The running total for what the data chooses, or why there is none."""
    package_id, cycle, rows = lenient_choice(offer, data)
    try:
        choice = order_choice_check(offer=offer, package_id=package_id, cycle=cycle, options=rows)
        quote = order_quote(
            choice=choice,
            currency=offer.currency,
            country=str(data.get("country") or ""),
            region=str(data.get("region") or ""),
            tax_table=TaxTable(),
        )
    except FairbillError as exc:
        message = exc.message.split(": ", 1)[-1]
        return None, message[:1].upper() + message[1:]
    return quote, ""


def _render(
    request: HttpRequest,
    order_form: Any,
    business: BusinessSettings,
    offer: Offer,
    form: OrderPlaceForm,
    data: Any,
    status: int = 200,
    email_exists: bool = False,
) -> HttpResponse:
    quote, quote_problem = _quote(offer, business, data)
    return render(
        request,
        "portal/order_form.html",
        {
            "order_form": order_form,
            "offer": offer,
            "form": form,
            "quote": quote,
            "quote_problem": quote_problem,
            "option_fields": [(item, form[f"option_{item.option.pk}"]) for item in offer.options],
            "gateway": payment_gateway(),
            "email_exists": email_exists,
        },
        status=status,
    )


def order_page(request: HttpRequest, slug: str) -> HttpResponse:
    order_form, business, offer = _offer(slug)
    if request.method != "POST":
        initial = _defaults(offer, business)
        form = _form(offer, business, initial=initial)
        return _render(request, order_form, business, offer, form, initial)
    if request.POST.get("action") == "update":
        # Without JavaScript, "Update total" shows the page again with the new total.
        kept = {k: v for k, v in request.POST.items() if k not in SECRET_FIELDS}
        if kept.get("region_country", kept.get("country")) != kept.get("country"):
            kept["region"] = ""
        form = _form(offer, business, initial=kept)
        kept["cycle"] = form.initial.get("cycle", "")  # reset when the package lacks it
        return _render(request, order_form, business, offer, form, kept)
    if too_many := throttled(request, "order_email"):
        return too_many
    form = _form(offer, business, data=request.POST)
    if request.POST.get("website"):
        # A filled honeypot: a bot. Answer as if all went well and create nothing.
        return render(request, "portal/order_thanks.html", {"order_form": order_form})
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = order_place(
                order_form=order_form,
                package_id=data["package"],
                cycle=data["cycle"],
                options=form.option_rows(),
                contact={**form.contact_values(), **form.address_values()},
                payment_method=data["payment_method"],
                username=data.get("username") or "",
                password=data["password1"],
                start_date=clock.today(),
                ip_address=client_ip(request) or "",
                terms_accepted=bool(data.get("terms")),
                order_token=data.get("order_token") or "",
            )
        except TooManyOrders as exc:
            return render(
                request,
                "portal/order_limited.html",
                {"order_form": order_form, "message": exc.message},
                status=429,
            )
        except FairbillError as exc:
            if exc.code != "email_exists":
                error_to_form(form, exc, FIELD_ALIASES)
            else:
                repeated = order_repeated(
                    order_form=order_form,
                    order_token=data.get("order_token") or "",
                    email=data["email"],
                    package_id=data["package"],
                    cycle=data["cycle"],
                    now=clock.now(),
                )
                if repeated is not None:  # sent twice: show the order already placed
                    return _placed(request, business, order_form, repeated, _save_card(data))
                # The same answer whatever the password: the order form checks none. Each
                # one counts towards the address's attempts, so emails can't be tried in bulk.
                count_failure(request, "order_email")
                form.add_error("email", KNOWN_EMAIL)
                return _render(
                    request, order_form, business, offer, form, request.POST, email_exists=True
                )
        else:
            return _placed(request, business, order_form, result, _save_card(data))
    return _render(request, order_form, business, offer, form, request.POST)


def _save_card(data: dict[str, Any]) -> bool:
    return bool(data.get("save_card")) and data["payment_method"] == PaymentMethod.CARD


def _placed(
    request: HttpRequest,
    business: BusinessSettings,
    order_form: Any,
    result: OrderResult,
    save_card: bool = False,
) -> HttpResponse:
    """Log the new customer in and show the thank-you page (or the business's own)."""
    # Logged in by the order itself: not a login attempt for the login report.
    request.fairbill_login_as = True  # type: ignore[attr-defined]
    login(request, result.user, backend=BACKEND)
    request.session[PLACED] = result.invoice.pk
    request.session[SAVE_CARD] = save_card
    if business.order_return_url:
        return redirect(business.order_return_url)
    return redirect("portal:order_thanks", slug=order_form.slug)


def order_total(request: HttpRequest, slug: str) -> HttpResponse:
    """htmx: the order summary (and the region field, out of band) for the current choice."""
    if request.method != "POST":
        return redirect("portal:order", slug=slug)
    order_form, business, offer = _offer(slug)
    kept = {k: v for k, v in request.POST.items() if k not in SECRET_FIELDS}
    if kept.get("region_country", kept.get("country")) != kept.get("country"):
        kept["region"] = ""  # another country: its regions differ
    form = _form(offer, business, initial=kept)
    kept["cycle"] = form.initial.get("cycle", "")  # reset when the package lacks it
    quote, quote_problem = _quote(offer, business, kept)
    return render(
        request,
        "portal/_order_total.html",
        {
            "order_form": order_form,
            "form": form,
            "quote": quote,
            "quote_problem": quote_problem,
            "oob": True,
        },
    )


def order_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    order_form, _, _ = _offer(slug)
    invoice = None
    invoice_id = request.session.get(PLACED)
    customer = getattr(request.user, "customer", None) if request.user.is_authenticated else None
    if invoice_id and customer is not None:
        invoice = Invoice.objects.filter(pk=invoice_id, customer=customer).first()
    gateway = payment_gateway()
    return render(
        request,
        "portal/order_thanks.html",
        {
            "order_form": order_form,
            "invoice": invoice,
            "customer": customer,
            "pay_url": reverse("portal:invoice", args=[invoice.pk]) if invoice else "",
            "save_card": bool(request.session.get(SAVE_CARD))
            and gateway.online
            and gateway.saves_methods
            and invoice is not None
            and invoice.status == Invoice.Status.UNPAID,
        },
    )
