"""The emails Fairbill sends and their default wording. Staff edit them in Settings → Emails;
an email without a stored template uses these."""

from __future__ import annotations

DEFAULTS: dict[str, dict[str, str]] = {
    "invoice_issued": {
        "name": "Invoice issued",
        "subject": "Invoice {{ invoice.number }} from {{ business.company_name }}",
        "body_html": (
            "<p>Dear {{ customer.name }},</p>"
            "<p>Your invoice <strong>{{ invoice.number }}</strong> for "
            "<strong>{{ invoice_total }}</strong> is ready"
            "{% if invoice.balance %}, due on {{ invoice.due_date|date:'j F Y' }}{% endif %}.</p>"
            "{% if invoice.credit_applied %}<p>Account credit of {{ invoice_credit }} was applied."
            "</p>{% endif %}"
            "{% if invoice.balance %}<p>Amount due: <strong>{{ invoice_balance }}</strong>.</p>"
            "{% else %}<p>Nothing is due: this invoice is paid.</p>{% endif %}"
            '<p>View and pay it in My Account: <a href="{{ invoice_url }}">{{ invoice_url }}</a></p>'
            "{% if business.payment_instructions %}<p>{{ business.payment_instructions|linebreaksbr }}</p>"
            "{% endif %}<p>Thank you,<br>{{ business.company_name }}</p>"
        ),
    },
    "estimate_sent": {
        "name": "Estimate sent",
        "subject": "Estimate {{ estimate.number }} from {{ business.company_name }}",
        "body_html": (
            "<p>Dear {{ customer.name }},</p>"
            "<p>Here is our estimate <strong>{{ estimate.number }}</strong> for "
            "<strong>{{ estimate_total }}</strong>"
            "{% if estimate.valid_until %}, valid until {{ estimate.valid_until|date:'j F Y' }}"
            "{% endif %}.</p>"
            '<p>Accept or decline it in My Account: <a href="{{ estimate_url }}">'
            "{{ estimate_url }}</a></p><p>Thank you,<br>{{ business.company_name }}</p>"
        ),
    },
    "credit_note_issued": {
        "name": "Credit note issued",
        "subject": "Credit note {{ credit_note.number }} from {{ business.company_name }}",
        "body_html": (
            "<p>Dear {{ customer.name }},</p>"
            "<p>We have issued credit note <strong>{{ credit_note.number }}</strong> for "
            "<strong>{{ credit_note_total }}</strong> on invoice {{ invoice.number }} of "
            "{{ invoice.issue_date|date:'j F Y' }}: {{ credit_note.reason }}</p>"
            "{% if credit_note.to_balance %}<p>{{ credit_note_to_balance }} was taken off the "
            "amount due on the invoice{% if invoice.balance %}; {{ invoice_balance }} remains due"
            "{% else %}; nothing remains due on it{% endif %}.</p>{% endif %}"
            "{% if credit_note.to_credit %}<p>{{ credit_note_to_credit }} was added to your "
            "account credit and will be used on your next invoices.</p>{% endif %}"
            "{% if credit_note.refunded %}<p>{{ credit_note_refunded }} was refunded to you by "
            "{{ credit_note.get_refund_method_display|lower }} on "
            "{{ credit_note.refund_date|date:'j F Y' }}.</p>{% endif %}"
            "<p>Thank you,<br>{{ business.company_name }}</p>"
        ),
    },
    "payment_received": {
        "name": "Payment received",
        "subject": "Payment received for invoice {{ invoice.number }}",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>We received your payment of "
            "<strong>{{ payment_amount }}</strong> for invoice {{ invoice.number }}. "
            "{% if invoice.balance %}{{ invoice_balance }} remains due.{% else %}"
            "The invoice is now paid.{% endif %}</p>"
            "<p>Thank you,<br>{{ business.company_name }}</p>"
        ),
    },
    "reminder": {
        "name": "Payment reminder",
        "subject": "Reminder: invoice {{ invoice.number }} is due {{ invoice.due_date|date:'j F Y' }}",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>This is a reminder that invoice "
            "<strong>{{ invoice.number }}</strong> ({{ invoice_balance }} due) "
            "{% if days_past_due > 0 %}was due on{% else %}is due on{% endif %} "
            "{{ invoice.due_date|date:'j F Y' }}.</p>"
            '<p>Pay it in My Account: <a href="{{ invoice_url }}">{{ invoice_url }}</a></p>'
            "<p>{{ business.company_name }}</p>"
        ),
    },
    "overdue": {
        "name": "Invoice overdue",
        "subject": "Overdue: invoice {{ invoice.number }}",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>Invoice <strong>{{ invoice.number }}</strong> "
            "for {{ invoice_balance }} was due on {{ invoice.due_date|date:'j F Y' }} and is "
            "now {{ days_past_due }} days overdue. Please pay it to avoid suspension of your "
            'services.</p><p><a href="{{ invoice_url }}">{{ invoice_url }}</a></p>'
            "<p>{{ business.company_name }}</p>"
        ),
    },
    "suspended": {
        "name": "Service suspended",
        "subject": "Your {{ package_names }} service is suspended",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>Your {{ package_names }} service is suspended "
            "because invoice {{ invoice.number }} ({{ invoice_balance }}) is unpaid. It is "
            "restored as soon as the invoice is paid.</p>"
            '<p><a href="{{ invoice_url }}">{{ invoice_url }}</a></p><p>{{ business.company_name }}</p>'
        ),
    },
    "unsuspended": {
        "name": "Service restored",
        "subject": "Your {{ package_names }} service is active again",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>Thank you for your payment: your "
            "{{ package_names }} service is active again.</p><p>{{ business.company_name }}</p>"
        ),
    },
    "cancelled": {
        "name": "Service cancelled",
        "subject": "Your {{ package_names }} service is cancelled",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>Your {{ package_names }} service is cancelled "
            "because invoice {{ invoice.number }} ({{ invoice_balance }}) remained unpaid.</p>"
            "<p>{{ business.company_name }}</p>"
        ),
    },
    "credit_added": {
        "name": "Credit added",
        "subject": "{{ credit_amount }} credit added to your account",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>{{ credit_amount }} of credit was added to your "
            "account ({{ credit_entry.reason }}). It is used on your next invoices.</p>"
            "<p>{{ business.company_name }}</p>"
        ),
    },
    "signup": {
        "name": "Signup",
        "subject": "Welcome to {{ business.company_name }}: your order",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>Thank you for your order. You can log in to "
            'My Account at <a href="{{ account_url }}">{{ account_url }}</a> with the '
            "username <strong>{{ username }}</strong> and the password you chose.</p>"
            "{% if invoice %}<p>Your first invoice, {{ invoice.number }} for {{ invoice_total }}, "
            "is waiting there.</p>{% endif %}<p>{{ business.company_name }}</p>"
        ),
    },
    "order_received": {
        "name": "New order (to the business)",
        "subject": "New order: {{ package_names }} for {{ customer.name }}",
        "body_html": (
            "<p>A new order came in through the order form {{ order_form }}.</p>"
            "<p><strong>{{ customer.name }}</strong>{% if customer.company %} ({{ customer.company }}){% endif %}, "
            "{{ customer.email }}: {{ package_names }}.</p>"
            "{% if invoice %}<p>Signup invoice {{ invoice.number }} for {{ invoice_total }}.</p>{% endif %}"
            '<p><a href="{{ site_url }}/customers/{{ customer.pk }}/">{{ site_url }}/customers/{{ customer.pk }}/</a></p>'
        ),
    },
    "welcome": {
        "name": "Welcome (account active)",
        "subject": "Your {{ business.company_name }} account is active",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>Your payment was received and your "
            "{{ package_names }} service is now active.</p><p>{{ business.company_name }}</p>"
        ),
    },
    "password_reset": {
        "name": "Password reset",
        "subject": "Reset your {{ business.company_name }} password",
        "body_html": (
            "<p>Hello,</p><p>Someone asked to reset the password of the account "
            "<strong>{{ username }}</strong>. To choose a new password, open "
            '<a href="{{ reset_url }}">{{ reset_url }}</a>. If it wasn\'t you, ignore this email.'
            "</p><p>{{ business.company_name }}</p>"
        ),
    },
    "login_invitation": {
        "name": "My Account invitation",
        "subject": "Your {{ business.company_name }} account",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>{{ business.company_name }} made you a login "
            "for My Account, where you see and pay your invoices. Your username is "
            "<strong>{{ username }}</strong>.</p><p>To choose your password, open "
            '<a href="{{ invitation_url }}">{{ invitation_url }}</a>. The link works for '
            "{{ days }} days and once only.</p><p>{{ business.company_name }}</p>"
        ),
    },
    "charge_failed": {
        "name": "Automatic payment failed",
        "subject": "We couldn't collect the payment for invoice {{ invoice.number }}",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>We tried to collect {{ amount }} for invoice "
            "<strong>{{ invoice.number }}</strong> from your {{ method }}, and it failed: "
            "{{ reason }}</p>"
            "{% if retry_on %}<p>We will try again on {{ retry_on }}. You can also pay now or "
            "change your payment method.</p>{% else %}<p>We won't try this method again: "
            "please pay the invoice or add another payment method.</p>{% endif %}"
            '<p>Pay the invoice: <a href="{{ invoice_url }}">{{ invoice_url }}</a><br>'
            'Payment methods: <a href="{{ account_url }}payment-methods/">'
            "{{ account_url }}payment-methods/</a></p><p>{{ business.company_name }}</p>"
        ),
    },
    "charge_action_required": {
        "name": "Automatic payment needs confirming",
        "subject": "Please confirm the payment for invoice {{ invoice.number }}",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>Your bank asks you to confirm the payment of "
            "{{ amount }} for invoice <strong>{{ invoice.number }}</strong> from your "
            "{{ method }}. We have paused collecting it until you do.</p>"
            '<p>Confirm and pay it here: <a href="{{ invoice_url }}">{{ invoice_url }}</a></p>'
            "<p>{{ business.company_name }}</p>"
        ),
    },
    "payment_method_expiring": {
        "name": "Saved card expiring",
        "subject": "Your card ending {{ last4 }} expires soon",
        "body_html": (
            "<p>Dear {{ customer.name }},</p><p>Your {{ method }}, which pays your invoices "
            "automatically, expires at the end of {{ expires }}. To keep your payments going, "
            'please add your new card: <a href="{{ account_url }}payment-methods/">'
            "{{ account_url }}payment-methods/</a></p><p>{{ business.company_name }}</p>"
        ),
    },
}
