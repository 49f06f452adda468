from django.urls import path

from fairbill.accounts import views as account_views
from fairbill.backoffice.views import (
    api_keys,
    automatic_payments,
    billing,
    business,
    credit_notes,
    customer_billing,
    customer_emails,
    customer_merge,
    customers,
    dashboard,
    emails,
    estimates,
    invoices,
    login_as,
    options,
    order_forms,
    package_change,
    packages,
    payments,
    reports,
    staff,
    subscription_edit,
    subscriptions,
    tax_rates,
)

app_name = "backoffice"

urlpatterns = [
    path("customers/<int:customer_id>/login-as/", login_as.login_as_start, name="login_as_start"),
    path("account/login-as/end/", login_as.login_as_end, name="login_as_end"),
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", account_views.staff_login, name="login"),
    # Customers
    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/new/", customers.customer_new, name="customer_new"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", customers.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/status/", customers.customer_status, name="customer_status"),
    path("customers/<int:pk>/notes/", customers.customer_notes, name="customer_notes"),
    path(
        "customers/<int:pk>/login/<slug:action>/",
        customers.customer_login_action,
        name="customer_login_action",
    ),
    path(
        "customers/<int:pk>/vat-check/",
        customers.customer_vat_check_view,
        name="customer_vat_check",
    ),
    path(
        "customers/<int:pk>/packages/",
        customer_billing.customer_subscription_add,
        name="customer_subscription_add",
    ),
    path(
        "customers/<int:pk>/credit/",
        customer_billing.customer_credit,
        name="customer_credit",
    ),
    *(
        path(f"customers/<int:pk>/{tab}/", customers.customer_detail, {"tab": tab}, name=name)
        for tab, name in (
            ("invoices", "customer_invoices"),
            ("estimates", "customer_estimates"),
            ("emails", "customer_emails"),
            ("history", "customer_history"),
        )
    ),
    path(
        "customers/<int:pk>/packages/<int:sub_pk>/edit/",
        subscription_edit.subscription_edit,
        name="subscription_edit",
    ),
    path(
        "customers/<int:pk>/signup-email/",
        customer_emails.customer_signup_email,
        name="customer_signup_email",
    ),
    path(
        "customers/<int:pk>/emails/<int:log_pk>/resend/",
        customer_emails.customer_email_resend,
        name="customer_email_resend",
    ),
    path("customers/<int:pk>/merge/", customer_merge.customer_merge_page, name="customer_merge"),
    # Upgrade / downgrade wizard
    path("customers/<int:pk>/change/", package_change.change_pick, name="change_pick"),
    path(
        "customers/<int:pk>/packages/<int:sub_pk>/change/",
        package_change.change_choose,
        name="change_choose",
    ),
    path(
        "customers/<int:pk>/packages/<int:sub_pk>/change/review/",
        package_change.change_review,
        name="change_review",
    ),
    path(
        "customers/<int:pk>/packages/<int:sub_pk>/change/generate/",
        package_change.change_generate,
        name="change_generate",
    ),
    path(
        "customers/<int:pk>/changes/<int:change_pk>/",
        package_change.change_done,
        name="change_done",
    ),
    # Invoices and the billing run
    path("invoices/", invoices.invoice_list, name="invoice_list"),
    path("invoices/new", invoices.invoice_new, name="invoice_new"),
    path("invoices/<int:pk>/", invoices.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/pdf", invoices.invoice_pdf_view, name="invoice_pdf"),
    path(
        "invoices/<int:pk>/einvoice/<str:syntax>",
        invoices.invoice_einvoice_view,
        name="invoice_einvoice",
    ),
    path("invoices/<int:pk>/payment/", invoices.invoice_payment, name="invoice_payment"),
    path("invoices/<int:pk>/void/", invoices.invoice_void_view, name="invoice_void"),
    path("invoices/<int:pk>/charge/", automatic_payments.invoice_charge_now, name="invoice_charge"),
    path(
        "invoices/<int:pk>/attempts/<int:attempt_pk>/close/",
        automatic_payments.attempt_close_view,
        name="attempt_close",
    ),
    path("payments/", payments.payment_list, name="payment_list"),
    path("payments/attempts/", payments.attempt_list, name="attempt_list"),
    path("payments/<int:pk>/", payments.payment_detail, name="payment_detail"),
    path(
        "payments/<int:pk>/refund/",
        automatic_payments.payment_refund_page,
        name="payment_refund",
    ),
    path(
        "customers/<int:pk>/automatic/",
        automatic_payments.customer_automatic,
        name="customer_automatic",
    ),
    path("invoices/<int:pk>/email/", invoices.invoice_email, name="invoice_email"),
    # Estimates
    path("customers/<int:pk>/estimates/new/", estimates.estimate_new, name="estimate_new"),
    path("estimates/", estimates.estimate_list, name="estimate_list"),
    path("estimates/<int:pk>/", estimates.estimate_detail, name="estimate_detail"),
    path("estimates/<int:pk>/pdf", estimates.estimate_pdf_view, name="estimate_pdf"),
    path("estimates/<int:pk>/send/", estimates.estimate_send_view, name="estimate_send"),
    path("estimates/<int:pk>/accept/", estimates.estimate_accept_view, name="estimate_accept"),
    path("estimates/<int:pk>/decline/", estimates.estimate_decline_view, name="estimate_decline"),
    path("invoices/<int:pk>/credit/", credit_notes.invoice_credit, name="invoice_credit"),
    path("credit-notes/", credit_notes.credit_note_list, name="credit_note_list"),
    path("credit-notes/<int:pk>/", credit_notes.credit_note_detail, name="credit_note_detail"),
    path("credit-notes/<int:pk>/pdf", credit_notes.credit_note_pdf_view, name="credit_note_pdf"),
    path(
        "credit-notes/<int:pk>/einvoice/<str:syntax>",
        credit_notes.credit_note_einvoice_view,
        name="credit_note_einvoice",
    ),
    path("credit-notes/<int:pk>/email/", credit_notes.credit_note_email, name="credit_note_email"),
    path("billing/", billing.billing_page, name="billing"),
    path("billing/progress/", billing.billing_progress, name="billing_progress"),
    # Packages, options, order forms
    path("packages/", packages.package_list, name="package_list"),
    path("packages/new/", packages.package_new, name="package_new"),
    path("packages/<int:pk>/edit/", packages.package_edit, name="package_edit"),
    path("packages/subscriptions/", subscriptions.subscription_list, name="subscription_list"),
    path("packages/options/", options.option_list, name="option_list"),
    path("packages/options/new/", options.option_new, name="option_new"),
    path("packages/options/<int:pk>/edit/", options.option_edit, name="option_edit"),
    path("packages/order-forms/", order_forms.order_form_list, name="order_form_list"),
    path("packages/order-forms/new/", order_forms.order_form_new, name="order_form_new"),
    path(
        "packages/order-forms/<int:pk>/edit/", order_forms.order_form_edit, name="order_form_edit"
    ),
    # Settings
    path("settings/", business.business_details, name="settings"),
    path("settings/billing/", business.billing_settings, name="settings_billing"),
    path("settings/tax-rates/", tax_rates.tax_rate_list, name="tax_rate_list"),
    path("settings/tax-rates/new/", tax_rates.tax_rate_new, name="tax_rate_new"),
    path("settings/tax-rates/<int:pk>/edit/", tax_rates.tax_rate_edit, name="tax_rate_edit"),
    path("settings/tax-rates/<int:pk>/delete/", tax_rates.tax_rate_remove, name="tax_rate_delete"),
    path("settings/staff/", staff.staff_list, name="staff_list"),
    path("settings/staff/new/", staff.staff_new, name="staff_new"),
    path("settings/staff/<int:pk>/", staff.staff_edit, name="staff_edit"),
    path("settings/api-keys/", api_keys.api_key_list, name="api_key_list"),
    path(
        "settings/api-keys/<int:pk>/revoke/",
        api_keys.api_key_revoke_view,
        name="api_key_revoke",
    ),
    path("settings/emails/", emails.email_list, name="email_list"),
    path("settings/emails/<slug:key>/", emails.email_edit, name="email_edit"),
    path("settings/email-log/", emails.email_log, name="email_log"),
    path("settings/email-log/<int:pk>/resend/", emails.email_log_resend, name="email_log_resend"),
    # Reports
    path("reports/", reports.report_index, name="reports"),
    path("reports/paid-invoices/", reports.paid_invoices_report, name="report_paid_invoices"),
    path("reports/payments/", reports.payments_report, name="report_payments"),
    path("reports/credit/", reports.credit_report, name="report_credit"),
    path("reports/tax/", reports.tax_report, name="report_tax"),
    path("reports/logins/", reports.login_report, name="login_report"),
]
