"""Every write to the catalog: packages, options, tax rates and order forms."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from fairbill.catalog.models import (
    Cycle,
    Option,
    OptionChoice,
    OptionPrice,
    OrderForm,
    Package,
    PackagePrice,
    TaxRate,
)
from fairbill.core.actors import Actor
from fairbill.core.errors import InvalidInput, NotFound
from fairbill.core.models import BusinessSettings
from fairbill.core.money import currency_check, parse_amount, parse_decimal
from fairbill.core.services import event_record, full_clean_or_raise
from fairbill.core.validation import country_check


@dataclass(frozen=True)
class PriceInput:
    cycle: str
    price: Decimal
    setup_fee: Decimal
    currency: str
    choice: str = ""  # for choice options: the choice's name


def prices_parse(rows: Iterable[Mapping[str, Any]], *, what: str = "price") -> list[PriceInput]:
    """Validate price rows ({cycle, price, setup_fee?, currency?, choice?}); one per cycle."""
    default_currency = BusinessSettings.load().currency
    parsed: list[PriceInput] = []
    seen: set[tuple[str, str, str]] = set()
    for number, row in enumerate(rows, start=1):
        label = f"{what} {number}"
        cycle = str(row.get("cycle") or "")
        if cycle not in Cycle.values:
            raise InvalidInput(
                f"{label}: cycle '{cycle}' is not one of {', '.join(Cycle.values)}.", "prices"
            )
        currency = str(row.get("currency") or default_currency).upper()
        currency_check(currency, label=label, field="prices")
        if row.get("price") in (None, ""):
            raise InvalidInput(f"{label}: give a price.", "prices")
        price = parse_amount(row["price"], currency, field=f"{label} price")
        setup_fee = parse_amount(row.get("setup_fee") or "0", currency, field=f"{label} setup fee")
        choice = str(row.get("choice") or "").strip()
        key = (cycle, currency, choice)
        if key in seen:
            raise InvalidInput(f"{label}: {cycle} {currency} is priced twice.", "prices")
        seen.add(key)
        parsed.append(PriceInput(cycle, price, setup_fee, currency, choice))
    return parsed


def _name(value: Any, what: str) -> str:
    name = str(value or "").strip()
    if not name:
        raise InvalidInput(f"name: give the {what} a name.", "name")
    if len(name) > 100:
        raise InvalidInput("name: at most 100 characters.", "name")
    return name


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def _unique_name(model: Any, name: str, what: str, exclude_pk: int | None = None) -> None:
    clash = model.objects.filter(name__iexact=name).exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput(f"name: there is already {_a(what)} called '{name}'.", "name")


def _save_unique(instance: Any, what: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise InvalidInput(
            f"name: there is already {_a(what)} called '{instance.name}'.", "name"
        ) from None


@transaction.atomic
def package_create(
    *,
    actor: Actor,
    name: str,
    prices: Iterable[Mapping[str, Any]],
    description: str = "",
    active: bool = True,
    sort_order: int = 0,
    option_ids: Iterable[int] = (),
) -> Package:
    """Create a package with at least one price, optionally offering existing options."""
    name = _name(name, "package")
    _unique_name(Package, name, "package")
    parsed = prices_parse(prices)
    if not parsed:
        raise InvalidInput("prices: give at least one cycle's price.", "prices")
    package = Package(
        name=name, description=description or "", active=active, sort_order=sort_order
    )
    _save_unique(package, "package")
    _package_prices_replace(package, parsed)
    package.options.set(_options_by_id(option_ids))
    event_record(
        actor=actor,
        action="package.created",
        subject=package,
        message=f"Package {name} created",
        data={"prices": _prices_json(parsed)},
    )
    return package


@transaction.atomic
def package_update(
    *,
    actor: Actor,
    package: Package,
    name: str | None = None,
    description: str | None = None,
    active: bool | None = None,
    sort_order: int | None = None,
    prices: Iterable[Mapping[str, Any]] | None = None,
    option_ids: Iterable[int] | None = None,
) -> Package:
    """Edit a package; `prices` and `option_ids`, when given, replace all its prices and
    the options offered with it."""
    package = Package.objects.select_for_update().get(pk=package.pk)
    data: dict[str, Any] = {}
    if name is not None:
        name = _name(name, "package")
        _unique_name(Package, name, "package", exclude_pk=package.pk)
        if name != package.name:
            data["name"] = [package.name, name]
            package.name = name
    if description is not None:
        package.description = description
    if active is not None and active != package.active:
        data["active"] = [package.active, active]
        package.active = active
    if sort_order is not None:
        package.sort_order = sort_order
    _save_unique(package, "package")
    if prices is not None:
        parsed = prices_parse(prices)
        if not parsed:
            raise InvalidInput("prices: give at least one cycle's price.", "prices")
        _package_prices_replace(package, parsed)
        data["prices"] = _prices_json(parsed)
    if option_ids is not None:
        options = _options_by_id(option_ids)
        package.options.set(options)
        data["option_ids"] = sorted(o.pk for o in options)
    event_record(actor=actor, action="package.updated", subject=package, data=data)
    return package


def _package_prices_replace(package: Package, prices: list[PriceInput]) -> None:
    package.prices.all().delete()
    PackagePrice.objects.bulk_create(
        PackagePrice(
            package=package,
            cycle=p.cycle,
            currency=p.currency,
            price=p.price,
            setup_fee=p.setup_fee,
        )
        for p in prices
    )


def _prices_json(prices: list[PriceInput]) -> list[dict[str, str]]:
    return [
        {
            "cycle": p.cycle,
            "currency": p.currency,
            "price": str(p.price),
            "setup_fee": str(p.setup_fee),
            **({"choice": p.choice} if p.choice else {}),
        }
        for p in prices
    ]


def _packages_by_id(package_ids: Iterable[int]) -> list[Package]:
    ids = list(dict.fromkeys(package_ids))
    packages = list(Package.objects.filter(pk__in=ids))
    missing = set(ids) - {p.pk for p in packages}
    if missing:
        raise NotFound(f"No package with id {', '.join(map(str, sorted(missing)))}.", "packages")
    return packages


def _options_by_id(option_ids: Iterable[int]) -> list[Option]:
    ids = list(dict.fromkeys(option_ids))
    options = list(Option.objects.filter(pk__in=ids))
    missing = set(ids) - {o.pk for o in options}
    if missing:
        raise NotFound(f"No option with id {', '.join(map(str, sorted(missing)))}.", "option_ids")
    return options


@transaction.atomic
def option_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    prices: Iterable[Mapping[str, Any]],
    package_ids: Iterable[int] = (),
    choices: Iterable[str] = (),
    description: str = "",
    unit: str = "",
    max_quantity: int = 1000,
    active: bool = True,
) -> Option:
    """Create an option. Choice options name their choices and price each one."""
    name = _name(name, "option")
    _unique_name(Option, name, "option")
    option = Option(
        name=name,
        kind=kind,
        description=description or "",
        unit=unit or "",
        max_quantity=max_quantity,
        active=active,
    )
    _option_check(option)
    _save_unique(option, "option")
    option.packages.set(_packages_by_id(package_ids))
    _option_prices_replace(option, list(choices), prices_parse(prices))
    event_record(
        actor=actor, action="option.created", subject=option, message=f"Option {name} created"
    )
    return option


def _option_check(option: Option) -> None:
    full_clean_or_raise(option)
    if option.max_quantity < 1:
        raise InvalidInput("max quantity: at least 1.", "max_quantity")


@transaction.atomic
def option_update(
    *,
    actor: Actor,
    option: Option,
    name: str | None = None,
    description: str | None = None,
    unit: str | None = None,
    max_quantity: int | None = None,
    active: bool | None = None,
    package_ids: Iterable[int] | None = None,
    choices: Iterable[str] | None = None,
    prices: Iterable[Mapping[str, Any]] | None = None,
) -> Option:
    option = Option.objects.select_for_update().get(pk=option.pk)
    if name is not None:
        option.name = _name(name, "option")
        _unique_name(Option, option.name, "option", exclude_pk=option.pk)
    for field, value in (
        ("description", description),
        ("unit", unit),
        ("max_quantity", max_quantity),
        ("active", active),
    ):
        if value is not None:
            setattr(option, field, value)
    _option_check(option)
    _save_unique(option, "option")
    if package_ids is not None:
        option.packages.set(_packages_by_id(package_ids))
    if prices is not None or choices is not None:
        names = list(choices) if choices is not None else [c.name for c in option.choices.all()]
        parsed = (
            prices_parse(prices)
            if prices is not None
            else prices_parse(_option_prices_as_rows(option))
        )
        _option_prices_replace(option, names, parsed)
    event_record(actor=actor, action="option.updated", subject=option)
    return option


def _option_prices_as_rows(option: Option) -> list[dict[str, Any]]:
    return [
        {
            "cycle": p.cycle,
            "currency": p.currency,
            "price": p.price,
            "setup_fee": p.setup_fee,
            "choice": p.choice.name if p.choice else "",
        }
        for p in option.prices.select_related("choice")
    ]


def _option_prices_replace(
    option: Option, choice_names: list[str], prices: list[PriceInput]
) -> None:
    names = [n.strip() for n in choice_names if n and n.strip()]
    if option.kind == Option.Kind.CHOICE:
        if len(names) < 2:
            raise InvalidInput("choices: a choice option needs at least two choices.", "choices")
        if len({n.lower() for n in names}) != len(names):
            raise InvalidInput("choices: each choice needs a different name.", "choices")
        unknown = {p.choice for p in prices} - set(names)
        if unknown:
            raise InvalidInput(f"prices: unknown choice {', '.join(sorted(unknown))}.", "prices")
    elif names or any(p.choice for p in prices):
        raise InvalidInput("choices: only choice options have choices.", "choices")
    option.prices.all().delete()
    option.choices.exclude(name__in=names).delete()
    by_name = {c.name: c for c in option.choices.all()}
    for n in names:
        if n not in by_name:
            by_name[n] = OptionChoice.objects.create(option=option, name=n)
    OptionPrice.objects.bulk_create(
        OptionPrice(
            option=option,
            choice=by_name.get(p.choice) if p.choice else None,
            cycle=p.cycle,
            currency=p.currency,
            price=p.price,
            setup_fee=p.setup_fee,
        )
        for p in prices
    )


@transaction.atomic
def tax_rate_create(
    *, actor: Actor, country: str, name: str, rate: Any, region: str = ""
) -> TaxRate:
    tax_rate = TaxRate(
        country=country_check(country),
        region=(region or "").strip(),
        name=str(name or "").strip(),
        rate=_rate(rate),
    )
    _tax_rate_save(tax_rate)
    event_record(
        actor=actor,
        action="tax_rate.created",
        subject=tax_rate,
        data={
            "country": str(tax_rate.country.code),
            "region": tax_rate.region,
            "rate": str(tax_rate.rate),
        },
    )
    return tax_rate


@transaction.atomic
def tax_rate_update(*, actor: Actor, tax_rate: TaxRate, **values: Any) -> TaxRate:
    tax_rate = _tax_rate_locked(tax_rate.pk)
    before = {"name": tax_rate.name, "rate": str(tax_rate.rate)}
    if "rate" in values:
        tax_rate.rate = _rate(values.pop("rate"))
    if "country" in values:
        tax_rate.country = country_check(values.pop("country"))
    for key in ("region", "name"):
        if key in values:
            setattr(tax_rate, key, str(values.pop(key) or "").strip())
    if values:
        raise InvalidInput(f"Unknown field: {', '.join(sorted(values))}.")
    _tax_rate_save(tax_rate)
    event_record(
        actor=actor,
        action="tax_rate.updated",
        subject=tax_rate,
        data={"before": before, "rate": str(tax_rate.rate)},
    )
    return tax_rate


def _tax_rate_locked(pk: int) -> TaxRate:
    # Deleted meanwhile (another request got there first): not found, not a crash.
    tax_rate = TaxRate.objects.select_for_update().filter(pk=pk).first()
    if tax_rate is None:
        raise NotFound(f"No tax rate with id {pk}.")
    return tax_rate


@transaction.atomic
def tax_rate_delete(*, actor: Actor, tax_rate: TaxRate) -> None:
    tax_rate = _tax_rate_locked(tax_rate.pk)
    event_record(
        actor=actor,
        action="tax_rate.deleted",
        subject=tax_rate,
        data={
            "country": str(tax_rate.country.code),
            "region": tax_rate.region,
            "rate": str(tax_rate.rate),
        },
    )
    tax_rate.delete()


def _rate(value: Any) -> Decimal:
    if isinstance(value, float | bool):
        raise InvalidInput('rate: give the percentage as a decimal string, e.g. "20".', "rate")
    rate = parse_decimal(value, field="rate", places=4)
    if rate < 0 or rate > 100:
        raise InvalidInput("rate: a percentage between 0 and 100.", "rate")
    return rate


def _tax_rate_save(tax_rate: TaxRate) -> None:
    if not tax_rate.name:
        raise InvalidInput("name: give the tax a name, e.g. VAT.", "name")
    full_clean_or_raise(tax_rate, exclude=["region"] if not tax_rate.region else None)
    clash = TaxRate.objects.filter(country=tax_rate.country, region__iexact=tax_rate.region)
    if clash.exclude(pk=tax_rate.pk).exists():
        where = f"{tax_rate.country.code} {tax_rate.region}".strip()
        raise InvalidInput(f"There is already a tax rate for {where}.", "country")
    tax_rate.save()


@transaction.atomic
def order_form_create(
    *,
    actor: Actor,
    name: str,
    package_ids: Iterable[int],
    option_ids: Iterable[int] = (),
    slug: str = "",
    description: str = "",
    cycles: Iterable[str] = (),
    active: bool = True,
) -> OrderForm:
    form = OrderForm(
        name=_name(name, "order form"),
        slug=slug or slugify(name),
        description=description,
        cycles=list(cycles),
        active=active,
    )
    _order_form_save(form, package_ids, option_ids)
    event_record(actor=actor, action="order_form.created", subject=form)
    return form


@transaction.atomic
def order_form_update(
    *,
    actor: Actor,
    order_form: OrderForm,
    name: str,
    package_ids: Iterable[int],
    option_ids: Iterable[int] = (),
    slug: str = "",
    description: str = "",
    cycles: Iterable[str] = (),
    active: bool = True,
) -> OrderForm:
    form = OrderForm.objects.select_for_update().get(pk=order_form.pk)
    form.name = _name(name, "order form")
    form.slug = slug or slugify(name)
    form.description = description
    form.cycles = list(cycles)
    form.active = active
    _order_form_save(form, package_ids, option_ids)
    event_record(actor=actor, action="order_form.updated", subject=form)
    return form


def _order_form_save(
    form: OrderForm, package_ids: Iterable[int], option_ids: Iterable[int]
) -> None:
    bad_cycles = set(form.cycles) - set(Cycle.values)
    if bad_cycles:
        raise InvalidInput(f"cycles: unknown cycle {', '.join(sorted(bad_cycles))}.", "cycles")
    packages = _packages_by_id(package_ids)
    if not packages:
        raise InvalidInput("packages: offer at least one package.", "packages")
    ids = list(dict.fromkeys(option_ids))
    options = list(Option.objects.filter(pk__in=ids))
    if len(options) != len(ids):
        raise NotFound("options: an option offered doesn't exist.", "options")
    if OrderForm.objects.filter(slug=form.slug).exclude(pk=form.pk).exists():
        raise InvalidInput(f"slug: another order form uses '{form.slug}'.", "slug")
    full_clean_or_raise(form, exclude=["packages", "options"])
    form.save()
    form.packages.set(packages)
    form.options.set(options)
