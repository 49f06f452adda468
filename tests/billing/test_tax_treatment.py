"""The tax treatment rules (DESIGN §4), on plain values."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fairbill.invoicing import tax_treatment as tt

TODAY = date(2027, 3, 15)
VAT20 = tt.Rate("VAT", Decimal(20))
DE19 = tt.Rate("MwSt", Decimal(19))


def facts(**values) -> tt.TaxFacts:
    base = {
        "business_country": "IE",
        "customer_country": "DE",
        "vat_applies": True,
        "vat_number": "DE136695976",
        "check": tt.VatCheck("valid", "DE136695976", TODAY - timedelta(days=3)),
        "as_of": TODAY,
        "check_max_age_days": 30,
        "rate": DE19,
        "business_vat_number": "IE6388047V",
    }
    return tt.TaxFacts(**{**base, **values})


def test_eu_seller_and_valid_business_in_another_state_is_reverse_charged():
    result = tt.tax_treatment(facts())
    assert result.kind == tt.REVERSE_CHARGE
    assert result.rate == 0
    assert "Article 196 of Council Directive 2006/112/EC" in result.note
    assert result.exemption_code == "VATEX-EU-AE"


def test_gb_seller_and_valid_french_business_is_reverse_charged():
    check = tt.VatCheck("valid", "FR40303265045", TODAY)
    result = tt.tax_treatment(
        facts(business_country="GB", customer_country="FR", vat_number="FR40303265045", check=check)
    )
    assert result.kind == tt.REVERSE_CHARGE


def test_a_seller_without_a_vat_number_charges_standard_vat_and_says_why():
    # given an Irish business with no VAT number of its own and a German business customer
    # whose number was checked valid three days ago
    result = tt.tax_treatment(facts(business_vat_number=""))
    # then no reverse charge (BR-AE-02: the invoice would need the seller's VAT number):
    # the German rate, and staff are told why
    assert (result.kind, result.rate, result.note) == (tt.STANDARD, Decimal(19), "")
    assert "the business has no VAT number" in result.why
    # a blank-looking number is no number either
    assert tt.tax_treatment(facts(business_vat_number="  ")).kind == tt.STANDARD


def test_unverified_check_charges_standard_vat_and_says_why():
    check = tt.VatCheck("unverified", "DE136695976", TODAY)
    result = tt.tax_treatment(facts(check=check))
    assert (result.kind, result.rate) == (tt.STANDARD, Decimal(19))
    assert "could not be checked" in result.why


def test_a_check_older_than_the_setting_does_not_count():
    old = tt.VatCheck("valid", "DE136695976", TODAY - timedelta(days=31))
    assert tt.tax_treatment(facts(check=old)).kind == tt.STANDARD
    recent = tt.VatCheck("valid", "DE136695976", TODAY - timedelta(days=30))
    assert tt.tax_treatment(facts(check=recent)).kind == tt.REVERSE_CHARGE


def test_a_check_of_another_number_does_not_count():
    check = tt.VatCheck("valid", "DE999999999", TODAY)
    assert tt.tax_treatment(facts(check=check)).kind == tt.STANDARD


def test_same_country_is_standard_even_with_a_valid_number():
    result = tt.tax_treatment(facts(business_country="DE"))
    assert (result.kind, result.rate, result.note) == (tt.STANDARD, Decimal(19), "")


def test_consumer_in_another_eu_state_pays_their_rate_under_oss():
    result = tt.tax_treatment(facts(vat_number="", check=tt.VatCheck("unchecked")))
    assert (result.kind, result.rate) == (tt.OSS, Decimal(19))
    assert "One-Stop Shop" in result.note


def test_exemption_given_by_staff_means_no_tax_with_its_reason():
    result = tt.tax_treatment(
        facts(
            business_country="DE",
            exemption_code="VATEX-EU-132-1I",
            exemption_reason="Education (Article 132(1)(i))",
        )
    )
    assert (result.kind, result.rate) == (tt.EXEMPT, 0)
    assert result.note == "VAT exempt: Education (Article 132(1)(i))"
    assert result.exemption_code == "VATEX-EU-132-1I"


def test_no_rate_or_vat_off_is_outside_scope():
    assert tt.tax_treatment(
        facts(business_country="GB", customer_country="US", rate=None)
    ).kind == (tt.OUTSIDE_SCOPE)
    result = tt.tax_treatment(
        facts(business_country="GB", customer_country="GB", vat_applies=False)
    )
    assert (result.kind, result.rate) == (tt.OUTSIDE_SCOPE, 0)
    assert "does not apply" in result.why


countries = st.sampled_from(["GB", "IE", "DE", "FR", "US", "CH", "", "GR"])
statuses = st.sampled_from(["valid", "invalid", "unverified", "unchecked"])


@st.composite
def any_facts(draw) -> tt.TaxFacts:
    number = draw(st.sampled_from(["", "DE136695976", "FR40303265045"]))
    checked = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=400)))
    return tt.TaxFacts(
        business_country=draw(countries),
        customer_country=draw(countries),
        vat_applies=draw(st.booleans()),
        vat_number=number,
        check=tt.VatCheck(
            draw(statuses),
            draw(st.sampled_from([number, "DE136695976", ""])),
            None if checked is None else TODAY - timedelta(days=checked),
        ),
        as_of=TODAY,
        check_max_age_days=draw(st.integers(min_value=1, max_value=365)),
        rate=draw(st.sampled_from([None, VAT20, DE19, tt.Rate("Zero", Decimal(0))])),
        business_vat_number=draw(st.sampled_from(["", "IE6388047V"])),
        exemption_code=draw(st.sampled_from(["", "VATEX-EU-132-1I"])),
        exemption_reason=draw(st.sampled_from(["", "Education"])),
    )


@settings(deadline=None)  # pure and fast, but a shared CI machine can be slow
@given(any_facts())
def test_reverse_charge_only_with_a_current_valid_check_across_borders(f):
    result = tt.tax_treatment(f)
    is_reverse = result.kind == tt.REVERSE_CHARGE
    assert is_reverse == (
        tt.reverse_charge_possible(f.business_country, f.customer_country)
        and f.business_vat_number != ""
        and f.check.status == "valid"
        and f.check.number == f.vat_number != ""
        and f.check.checked_on is not None
        and (f.as_of - f.check.checked_on).days <= f.check_max_age_days
    )


@settings(deadline=None)  # pure and fast, but a shared CI machine can be slow
@given(any_facts())
def test_tax_is_charged_only_at_the_configured_rate_when_vat_applies(f):
    result = tt.tax_treatment(f)
    if result.rate:
        assert f.vat_applies
        assert f.rate is not None
        assert result.rate == f.rate.rate
        assert result.kind in (tt.STANDARD, tt.OSS)
    if result.kind in (tt.REVERSE_CHARGE, tt.EXEMPT, tt.OUTSIDE_SCOPE):
        assert result.rate == 0
        assert result.note


@settings(deadline=None)  # pure and fast, but a shared CI machine can be slow
@given(any_facts())
def test_an_unverified_or_invalid_check_never_reverse_charges_and_never_exempts(f):
    result = tt.tax_treatment(f)
    if f.check.status != "valid":
        assert result.kind != tt.REVERSE_CHARGE
    if result.kind == tt.EXEMPT:
        assert f.exemption_code or f.exemption_reason


@settings(deadline=None)  # pure and fast, but a shared CI machine can be slow
@given(any_facts())
def test_without_new_facts_the_rate_is_the_old_rule(f):
    # No VAT number and no exemption, seller and buyer in the same country or outside
    # the EU: exactly the rule before treatments (the configured rate when VAT applies).
    plain = tt.TaxFacts(
        **{
            **f.__dict__,
            "vat_number": "",
            "exemption_code": "",
            "exemption_reason": "",
            "customer_country": f.business_country,
        }
    )
    result = tt.tax_treatment(plain)
    expected = plain.rate.rate if plain.vat_applies and plain.rate is not None else 0
    assert result.rate == expected
