from django.urls import path

from fairbill.payments.gateways.views import stripe_webhook
from fairbill.portal.views import account, auth, change, credit_notes, estimates, methods, order

app_name = "portal"

urlpatterns = [
    # Public order forms
    path("order/<slug:slug>/", order.order_page, name="order"),
    path("order/<slug:slug>/total/", order.order_total, name="order_total"),
    path("order/<slug:slug>/thanks/", order.order_thanks, name="order_thanks"),
    # My Account
    path("account/", account.overview, name="overview"),
    path("account/login/", auth.LoginView.as_view(), name="login"),
    path("account/logout/", auth.LogoutView.as_view(), name="logout"),
    path("account/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "account/password/reset/sent/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/password/reset/done/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "account/invitation/<uidb64>/<token>/",
        auth.InvitationView.as_view(),
        name="invitation",
    ),
    path("account/invoices/", account.invoice_list, name="invoice_list"),
    path("account/invoices/<int:invoice_id>/", account.invoice_detail, name="invoice"),
    path("account/invoices/<int:invoice_id>/pdf/", account.invoice_pdf_view, name="invoice_pdf"),
    path(
        "account/invoices/<int:invoice_id>/einvoice/<str:syntax>/",
        account.invoice_einvoice_view,
        name="invoice_einvoice",
    ),
    path("account/invoices/<int:invoice_id>/pay/", account.invoice_pay, name="invoice_pay"),
    path(
        "account/invoices/<int:invoice_id>/payment/",
        account.invoice_payment_result,
        name="invoice_payment_result",
    ),
    path("account/credit-notes/", credit_notes.credit_note_list, name="credit_note_list"),
    path(
        "account/credit-notes/<int:credit_note_id>/",
        credit_notes.credit_note_detail,
        name="credit_note",
    ),
    path(
        "account/credit-notes/<int:credit_note_id>/pdf/",
        credit_notes.credit_note_pdf_view,
        name="credit_note_pdf",
    ),
    path(
        "account/credit-notes/<int:credit_note_id>/einvoice/<str:syntax>/",
        credit_notes.credit_note_einvoice_view,
        name="credit_note_einvoice",
    ),
    path("account/checkout/demo/<str:token>/", account.fake_checkout, name="fake_checkout"),
    path("account/estimates/", estimates.estimate_list, name="estimate_list"),
    path("account/estimates/<int:estimate_id>/", estimates.estimate_detail, name="estimate"),
    path(
        "account/estimates/<int:estimate_id>/pdf/",
        estimates.estimate_pdf_view,
        name="estimate_pdf",
    ),
    path(
        "account/estimates/<int:estimate_id>/accept/",
        estimates.estimate_accept_view,
        name="estimate_accept",
    ),
    path(
        "account/estimates/<int:estimate_id>/decline/",
        estimates.estimate_decline_view,
        name="estimate_decline",
    ),
    path("account/details/", account.details, name="details"),
    path("account/payment-methods/", methods.payment_methods, name="payment_methods"),
    path("account/payment-methods/add/", methods.payment_method_add, name="payment_method_add"),
    path(
        "account/payment-methods/saved/", methods.payment_method_saved, name="payment_method_saved"
    ),
    path(
        "account/payment-methods/<int:method_id>/",
        methods.payment_method_change,
        name="payment_method_change",
    ),
    path("account/payment-methods/automatic/", methods.payment_automatic, name="payment_automatic"),
    path("account/payment-methods/demo/<str:token>/", methods.fake_setup, name="fake_setup"),
    path(
        "account/packages/<int:subscription_id>/change/",
        change.change_choose,
        name="change_choose",
    ),
    path(
        "account/packages/<int:subscription_id>/change/review/",
        change.change_review,
        name="change_review",
    ),
    path(
        "account/packages/<int:subscription_id>/change/confirm/",
        change.change_confirm,
        name="change_confirm",
    ),
    # Gateways
    path("payments/stripe/webhook/", stripe_webhook, name="stripe_webhook"),
]
