"""Stripe's API as its OpenAPI description documents it, played by pytest-httpserver: the
SDK is pointed at it and sends real requests. It keeps customers, payment methods,
PaymentIntents, SetupIntents, refunds and disputes, answers errors with Stripe's error object
(type, code, decline_code, message, payment_intent), and honours Idempotency-Key as Stripe
does (same key and parameters: the first answer again, with Idempotent-Replayed; same key,
other parameters: 400 idempotency_error).

How a charge goes is chosen by the payment method id:
pm_card_visa succeeds; pm_card_chargeDeclined / pm_card_insufficient / pm_card_lost decline
(card_declined with decline_code generic_decline / insufficient_funds / lost_card);
pm_card_authRequired needs authentication; pm_sepa_* goes `processing` (Direct Debit).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl

from werkzeug import Request, Response

DECLINES = {
    "pm_card_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_insufficient": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "pm_card_lost": ("card_declined", "lost_card", "Your card was declined."),
    "pm_card_authRequired": (
        "authentication_required",
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
}


def _form(request: Request) -> dict[str, Any]:
    """Stripe's form encoding (a[b][0]=x) back into nested dicts and lists."""
    data: dict[str, Any] = {}
    pairs = parse_qsl(request.get_data(as_text=True), keep_blank_values=True)
    pairs += list(request.args.items(multi=True))
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        target: Any = data
        for part, following in itertools.pairwise(parts):
            container: Any = [] if following.isdigit() else {}
            if isinstance(target, list):
                if len(target) <= int(part):
                    target.append(container)
                target = target[int(part)]
            else:
                target = target.setdefault(part, container)
        last = parts[-1]
        if isinstance(target, list):
            target.append(value)
        else:
            target[last] = value
    return data


class StripeFake:
    def __init__(self, httpserver) -> None:
        self.server = httpserver
        self.ids = itertools.count(1)
        self.customers: dict[str, dict] = {}
        self.methods: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.setup_intents: dict[str, dict] = {}
        self.sessions: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.keys: dict[str, tuple[dict, int, dict]] = {}
        self.lose_answers = 0  # the next N answers are lost (500) after the work is done
        self.down = False  # every request answers 500 without doing anything
        self.on_create: Any = None  # called with the intent when one is created
        self.declines = dict(DECLINES)  # a test may make a good card fail from now on
        httpserver.expect_request(re.compile(r"^/v1/.*")).respond_with_handler(self._handle)

    # --- set-up helpers for tests -------------------------------------------------
    def method_add(self, pm_id: str, *, customer: str, kind: str = "card", **details) -> dict:
        body = {"last4": details.pop("last4", "4242")}
        if kind == "card":
            body.update(brand="visa", exp_month=details.get("exp_month", 12), exp_year=2030)
        else:
            body.update(bank_code="37040044", country="DE")
        method = {
            "id": pm_id,
            "object": "payment_method",
            "type": kind,
            "customer": customer,
            kind: body,
            "billing_details": {"email": None, "name": None},
            "created": int(time.time()),
            "livemode": False,
            "metadata": {},
        }
        self.methods[pm_id] = method
        return method

    def setup_intent_add(self, pm_id: str, *, customer: str, kind: str = "card") -> dict:
        self.method_add(pm_id, customer=customer, kind=kind)
        seti = {
            "id": f"seti_{next(self.ids)}",
            "object": "setup_intent",
            "customer": customer,
            "payment_method": pm_id,
            "status": "succeeded",
            "usage": "off_session",
            "mandate": f"mandate_{pm_id}" if kind != "card" else None,
            "metadata": {},
        }
        self.setup_intents[seti["id"]] = seti
        return seti

    def intent_settle(self, pi_id: str, *, succeeded: bool) -> dict:
        """A Direct Debit finishing days later."""
        intent = self.intents[pi_id]
        if succeeded:
            intent.update(status="succeeded", amount_received=intent["amount"])
        else:
            intent.update(
                status="requires_payment_method",
                last_payment_error={
                    "type": "card_error",
                    "code": "payment_intent_payment_attempt_failed",
                    "decline_code": "insufficient_funds",
                    "message": "The account has insufficient funds.",
                },
            )
        return intent

    def charges_made(self) -> list[dict]:
        return [pi for pi in self.intents.values() if pi["status"] == "succeeded"]

    # --- the API ------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        if self.down:
            return self._error(500, "api_error", "An unknown error occurred", None)
        key = request.headers.get("Idempotency-Key")
        params = _form(request)
        if request.method == "POST" and key and key in self.keys:
            first_params, status, body = self.keys[key]
            if first_params != params:
                return self._json(
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with "
                            "the same parameters they were first used with.",
                        }
                    },
                    400,
                )
            if self.lose_answers:
                self.lose_answers -= 1
                return self._error(500, "api_error", "An unknown error occurred", None)
            response = self._json(body, status)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        status, body = self._route(request, params)
        if request.method == "POST" and key and status != 500:
            self.keys[key] = (params, status, body)
        if self.lose_answers and request.method == "POST":
            self.lose_answers -= 1
            return self._error(500, "api_error", "An unknown error occurred", None)
        return self._json(body, status)

    def keys_forget(self) -> None:
        """Stripe prunes idempotency keys once they are 24 hours old: a request sent again
        after that is a new request."""
        self.keys.clear()

    def _intent_search(self, query: str, limit: int = 10) -> tuple[int, dict]:
        """GET /v1/payment_intents/search: clauses `field:'value'` (customer, status,
        currency) and `metadata['key']:'value'` joined by AND, as Stripe's query language
        writes them (a quote inside a value escaped with a backslash); a page of `limit`
        results (10 unless asked), newest first, `has_more` saying whether others follow."""
        clauses = []
        for clause in query.split(" AND "):
            match = re.fullmatch(r"(\w+|metadata\['\w+'\]):'((?:[^'\\]|\\.)*)'", clause.strip())
            if match is None:
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "param": "query",
                        "message": f"Invalid search query: {query}",
                    }
                }
            field, value = match.group(1), re.sub(r"\\(.)", r"\1", match.group(2))
            clauses.append((field, value))

        def matches(intent: dict) -> bool:
            for field, value in clauses:
                if field.startswith("metadata["):
                    if intent["metadata"].get(field[10:-2]) != value:
                        return False
                elif str(intent.get(field)) != value:
                    return False
            return True

        hits = [pi for pi in reversed(self.intents.values()) if matches(pi)]
        return 200, {
            "object": "search_result",
            "data": hits[:limit],
            "has_more": len(hits) > limit,
            "next_page": "page_2" if len(hits) > limit else None,
            "url": "/v1/payment_intents/search",
        }

    def _route(self, request: Request, params: dict) -> tuple[int, dict]:
        parts = request.path.strip("/").split("/")[1:]
        post = request.method == "POST"
        match parts:
            case ["customers"] if post:
                customer = {"id": f"cus_{next(self.ids)}", "object": "customer", **params}
                self.customers[customer["id"]] = customer
                return 200, customer
            case ["payment_intents"] if post:
                return self._intent_create(params)
            case ["payment_intents", "search"] if not post:
                return self._intent_search(params.get("query", ""), int(params.get("limit", 10)))
            case ["payment_intents", pi_id]:
                status, found = self._found(self.intents, pi_id, "payment_intent")
                if status == 200 and "payment_method" in params.get("expand", []):
                    found = {**found, "payment_method": self.methods[found["payment_method"]]}
                return status, found
            case ["setup_intents", seti_id]:
                found = self.setup_intents.get(seti_id)
                if found is None:
                    return self._missing(seti_id, "setup_intent")
                seti = dict(found)
                if "payment_method" in params.get("expand", []):
                    seti["payment_method"] = self.methods[found["payment_method"]]
                return 200, seti
            case ["payment_methods", pm_id, "detach"] if post:
                method = self.methods.get(pm_id)
                if method is None:
                    return self._missing(pm_id, "payment_method")
                method["customer"] = None
                return 200, method
            case ["payment_methods", pm_id]:
                return self._found(self.methods, pm_id, "payment_method")
            case ["charges", ch_id]:
                for pi in self.intents.values():
                    if pi.get("latest_charge") == ch_id:
                        return 200, self._charge(pi)
                return self._missing(ch_id, "charge")
            case ["disputes", dp_id]:
                return self._found(self.disputes, dp_id, "dispute")
            case ["refunds"] if post:
                return self._refund_create(params)
            case ["checkout", "sessions"] if post:
                session = {
                    "id": f"cs_test_{next(self.ids)}",
                    "object": "checkout.session",
                    "url": "https://checkout.stripe.com/c/pay/cs_test",
                    "setup_intent": None,
                    "payment_intent": None,  # set by Stripe once a payment session is paid
                    **params,
                }
                self.sessions[session["id"]] = session
                return 200, session
            case ["checkout", "sessions", cs_id]:
                return self._found(self.sessions, cs_id, "checkout.session")
        return 404, {"error": {"type": "invalid_request_error", "message": "Unrecognized URL"}}

    def _intent_create(self, params: dict) -> tuple[int, dict]:
        pm_id = params.get("payment_method", "")
        method = self.methods.get(pm_id)
        if method is None or method.get("customer") != params.get("customer"):
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "resource_missing",
                    "param": "payment_method",
                    "message": f"No such PaymentMethod: '{pm_id}'",
                }
            }
        number = next(self.ids)
        intent = {
            "id": f"pi_{number}",
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "amount_received": 0,
            "currency": params["currency"],
            "customer": params.get("customer"),
            "payment_method": pm_id,
            "payment_method_types": params.get("payment_method_types", ["card"]),
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
            "status": "requires_confirmation",
            "last_payment_error": None,
            "latest_charge": f"ch_{number}",
            "capture_method": "automatic",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "livemode": False,
        }
        self.intents[intent["id"]] = intent
        if self.on_create is not None:
            self.on_create(intent)
        if pm_id in self.declines:
            code, decline_code, message = self.declines[pm_id]
            error = {
                "type": "card_error",
                "code": code,
                "decline_code": decline_code,
                "message": message,
                "charge": intent["latest_charge"],
                "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
            }
            intent.update(status="requires_payment_method", last_payment_error=error)
            return 402, {"error": {**error, "payment_intent": intent, "payment_method": method}}
        if method["type"] in ("sepa_debit", "bacs_debit"):
            intent["status"] = "processing"
        else:
            intent.update(status="succeeded", amount_received=intent["amount"])
        return 200, intent

    def _charge(self, intent: dict) -> dict:
        return {
            "id": intent["latest_charge"],
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": sum(
                r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
            ),
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "refunded": False,
            "refunds": {
                "object": "list",
                "data": [r for r in self.refunds.values() if r["payment_intent"] == intent["id"]],
                "has_more": False,
            },
            "disputed": any(d["charge"] == intent["latest_charge"] for d in self.disputes.values()),
            "status": "succeeded",
        }

    def dispute_add(self, pi_id: str, *, status: str = "needs_response", amount=None) -> dict:
        intent = self.intents[pi_id]
        dispute = {
            "id": f"dp_{next(self.ids)}",
            "object": "dispute",
            "amount": amount if amount is not None else intent["amount"],
            "currency": intent["currency"],
            "charge": intent["latest_charge"],
            "payment_intent": pi_id,
            "reason": "fraudulent",
            "status": status,
            "created": int(time.time()),
        }
        self.disputes[dispute["id"]] = dispute
        return dispute

    def _refund_create(self, params: dict) -> tuple[int, dict]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None:
            return self._missing(params.get("payment_intent", ""), "payment_intent")
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"]
        )
        amount = int(params.get("amount", intent["amount_received"] - refunded))
        if amount > intent["amount_received"] - refunded:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "charge_already_refunded"
                    if refunded >= intent["amount_received"]
                    else "amount_too_large",
                    "param": "amount",
                    "message": "Refund amount is greater than unrefunded amount on charge",
                }
            }
        refund = {
            "id": f"re_{next(self.ids)}",
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return 200, refund

    def _found(self, store: dict, obj_id: str, kind: str) -> tuple[int, dict]:
        if obj_id in store:
            return 200, store[obj_id]
        return self._missing(obj_id, kind)

    def _missing(self, obj_id: str, kind: str) -> tuple[int, dict]:
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"No such {kind}: '{obj_id}'",
            }
        }

    def _error(self, status: int, kind: str, message: str, code: str | None) -> Response:
        return self._json({"error": {"type": kind, "message": message, "code": code}}, status)

    @staticmethod
    def _json(body: dict, status: int) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")
