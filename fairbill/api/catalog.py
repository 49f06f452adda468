"""Packages and options, with their prices per cycle and currency."""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import BeforeValidator

from fairbill.api.fields import (
    MAX_INT,
    Body,
    Count,
    Filled,
    Id,
    Money,
    OneOf,
    Patch,
    Text,
    money_resolver,
    whole_number,
)
from fairbill.api.helpers import object_or_404, require
from fairbill.api.idempotency import idempotent
from fairbill.api.pagination import Page, paginate
from fairbill.catalog.models import Cycle, Option, OptionPrice, Package, PackagePrice
from fairbill.catalog.services import option_create, option_update, package_create, package_update
from fairbill.core.money import billable_currencies

packages: Router = Router(tags=["packages"])
options: Router = Router(tags=["options"])

CycleChoice = Annotated[str, OneOf(Cycle.values)]
PriceCurrency = Annotated[str, OneOf(billable_currencies(), blank=True)]
MaxQuantity = Annotated[int, Field(ge=1, le=MAX_INT), BeforeValidator(whole_number)]
OptionKind = Annotated[str, OneOf(Option.Kind.values)]


class PriceOut(Schema):
    cycle: str
    currency: str
    price: str
    setup_fee: str

    resolve_price = money_resolver("price")

    resolve_setup_fee = money_resolver("setup_fee")


class PriceIn(Body):
    cycle: CycleChoice
    price: Money
    setup_fee: Money = "0"
    currency: PriceCurrency = Field(
        "", description="ISO 4217 code; empty for the business currency"
    )


class PackageOut(Schema):
    id: int
    name: str
    description: str
    active: bool
    sort_order: int
    prices: list[PriceOut]
    option_ids: list[int]

    @staticmethod
    def resolve_prices(obj: Package) -> list[PackagePrice]:
        return list(obj.prices.all())

    @staticmethod
    def resolve_option_ids(obj: Package) -> list[int]:
        return sorted(option.pk for option in obj.options.all())


class PackageIn(Body):
    name: Filled = Field(max_length=100)
    description: Text = ""
    active: bool = True
    sort_order: Count = 0
    prices: list[PriceIn] = Field(max_length=100)
    option_ids: list[Id] = Field([], max_length=1000, description="options offered with it")


class PackagePatch(Patch):
    """Only the fields sent change; `prices` and `option_ids` replace the whole list."""

    name: Filled | None = Field(None, max_length=100)
    description: Text | None = None
    active: bool | None = None
    sort_order: Count | None = None
    prices: list[PriceIn] | None = Field(None, max_length=100)
    option_ids: list[Id] | None = Field(None, max_length=1000)


def _packages() -> Any:
    return Package.objects.prefetch_related("prices", "options").order_by("sort_order", "name")


@packages.get("/packages", response=list[PackageOut])
@paginate(Page)
def package_list(request: HttpRequest) -> Any:
    return _packages()


@packages.post("/packages", response={201: PackageOut})
@idempotent
def package_post(request: HttpRequest, payload: PackageIn) -> Any:
    actor = require(request, "packages")
    package = package_create(actor=actor, **payload.model_dump())
    return Status(201, _packages().get(pk=package.pk))


@packages.get("/packages/{id}", response=PackageOut)
def package_get(request: HttpRequest, id: int) -> Any:
    return object_or_404(_packages(), id, "package")


@packages.patch("/packages/{id}", response=PackageOut)
def package_patch(request: HttpRequest, id: int, payload: PackagePatch) -> Any:
    actor = require(request, "packages")
    package = object_or_404(Package, id, "package")
    package_update(actor=actor, package=package, **payload.model_dump(exclude_unset=True))
    return _packages().get(pk=package.pk)


class OptionPriceOut(PriceOut):
    choice: str | None

    @staticmethod
    def resolve_choice(obj: OptionPrice) -> str | None:
        return obj.choice.name if obj.choice else None


class OptionPriceIn(PriceIn):
    choice: Text = Field("", max_length=100, description="for choice options: the choice's name")


class OptionOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    unit: str
    max_quantity: int
    active: bool
    package_ids: list[int]
    choices: list[str]
    prices: list[OptionPriceOut]

    @staticmethod
    def resolve_package_ids(obj: Option) -> list[int]:
        return sorted(package.pk for package in obj.packages.all())

    @staticmethod
    def resolve_choices(obj: Option) -> list[str]:
        return [choice.name for choice in obj.choices.all()]

    @staticmethod
    def resolve_prices(obj: Option) -> list[OptionPrice]:
        return list(obj.prices.all())


class OptionIn(Body):
    name: Filled = Field(max_length=100)
    kind: OptionKind = Option.Kind.CHECKBOX.value
    description: Text = ""
    unit: Text = Field("", max_length=30, description="e.g. GB, for quantity options")
    max_quantity: MaxQuantity = 1000
    active: bool = True
    package_ids: list[Id] = Field([], max_length=1000)
    choices: list[Filled] = Field([], max_length=100, description="names, for choice options")
    prices: list[OptionPriceIn] = Field(max_length=1000)


class OptionPatch(Patch):
    """Only the fields sent change; lists replace the whole list. The kind can't change."""

    name: Filled | None = Field(None, max_length=100)
    description: Text | None = None
    unit: Text | None = Field(None, max_length=30)
    max_quantity: MaxQuantity | None = None
    active: bool | None = None
    package_ids: list[Id] | None = Field(None, max_length=1000)
    choices: list[Filled] | None = Field(None, max_length=100)
    prices: list[OptionPriceIn] | None = Field(None, max_length=1000)


def _options() -> Any:
    return Option.objects.prefetch_related("packages", "choices", "prices__choice").order_by(
        "name", "id"
    )


@options.get("/options", response=list[OptionOut])
@paginate(Page)
def option_list(request: HttpRequest) -> Any:
    return _options()


@options.post("/options", response={201: OptionOut})
@idempotent
def option_post(request: HttpRequest, payload: OptionIn) -> Any:
    actor = require(request, "packages")
    option = option_create(actor=actor, **payload.model_dump())
    return Status(201, _options().get(pk=option.pk))


@options.get("/options/{id}", response=OptionOut)
def option_get(request: HttpRequest, id: int) -> Any:
    return object_or_404(_options(), id, "option")


@options.patch("/options/{id}", response=OptionOut)
def option_patch(request: HttpRequest, id: int, payload: OptionPatch) -> Any:
    actor = require(request, "packages")
    option = object_or_404(Option, id, "option")
    option_update(actor=actor, option=option, **payload.model_dump(exclude_unset=True))
    return _options().get(pk=option.pk)
