"""Passwords are stored hashed with argon2, never in clear."""

from __future__ import annotations

from fairbill.accounts.services import staff_create
from fairbill.core.actors import Actor

PASSWORD = "a-long-and-unusual-passphrase"  # noqa: S105 (test data)


def test_staff_passwords_are_hashed_with_argon2(db, settings):
    # given the production hashers (tests use a fast one by default)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    # when a staff user is created
    user = staff_create(
        actor=Actor.system("tests"), username="olivia", email="o@example.com", password=PASSWORD
    )
    # then the stored password is an argon2 hash that checks, not the password
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert PASSWORD not in user.password
    assert user.check_password(PASSWORD)


def test_production_settings_prefer_argon2():
    # the settings module (before the tests' fast hasher) lists argon2 first
    from fairbill import settings as fairbill_settings

    assert fairbill_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
