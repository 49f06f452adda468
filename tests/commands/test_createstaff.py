"""`fairbill createstaff`: a staff user from flags; bad input writes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fairbill.__main__ import main
from fairbill.accounts.models import PRIVILEGES, User

PASSWORD = "a-long-and-unusual-passphrase"  # noqa: S105 (test data)


def createstaff(*args: str) -> str:
    out = io.StringIO()
    call_command("createstaff", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_createstaff_with_flags_creates_an_administrator_by_default():
    # when createstaff runs with a username, email and password
    out = createstaff(
        "--username", "olivia", "--email", "olivia@example.com", "--password", PASSWORD
    )
    # then an active staff user with every privilege exists and can use that password
    user = User.objects.get(username="olivia")
    assert user.is_staff
    assert user.is_active
    assert user.is_administrator
    assert user.privileges == list(PRIVILEGES)
    assert user.check_password(PASSWORD)
    assert "administrator" in out


@pytest.mark.django_db
def test_createstaff_gives_only_the_privileges_listed():
    # when createstaff is given two privileges
    createstaff("--username", "sam", "--password", PASSWORD, "--privileges", "customers,invoices")
    # then the user has exactly those and is not an administrator
    user = User.objects.get(username="sam")
    assert user.privileges == ["customers", "invoices"]
    assert not user.is_administrator
    assert not user.is_superuser


@pytest.mark.django_db
def test_createstaff_reads_the_password_from_stdin(monkeypatch):
    # given the password on standard input
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    # when createstaff is told to read it from there
    createstaff("--username", "robin", "--password-stdin")
    # then the password is the line read, without its newline
    assert User.objects.get(username="robin").check_password(PASSWORD)


@pytest.mark.django_db
def test_createstaff_refuses_a_taken_username(admin_user):
    # given a staff user "admin"
    # when another one is created with the same name in other letter case
    with pytest.raises(CommandError, match="taken"):
        createstaff("--username", "Admin", "--password", PASSWORD)
    # then there is still one
    assert User.objects.filter(username__iexact="admin").count() == 1


@pytest.mark.django_db
def test_createstaff_refuses_a_weak_password():
    # when the password is short and common
    with pytest.raises(CommandError, match="password"):
        createstaff("--username", "weak", "--password", "password")
    # then nobody was created
    assert not User.objects.filter(username="weak").exists()


@pytest.mark.django_db
def test_createstaff_refuses_an_unknown_privilege():
    # when a privilege is misspelt
    with pytest.raises(CommandError, match="Unknown privilege invoice"):
        createstaff("--username", "typo", "--password", PASSWORD, "--privileges", "invoice")
    # then nobody was created
    assert not User.objects.filter(username="typo").exists()


@pytest.mark.django_db
def test_createstaff_without_a_terminal_asks_for_the_missing_values(monkeypatch):
    # given no terminal to prompt on
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    # when the password is missing
    with pytest.raises(CommandError, match="--password"):
        createstaff("--username", "nopass")
    # then nobody was created
    assert not User.objects.filter(username="nopass").exists()


@pytest.mark.django_db
def test_createstaff_exits_non_zero_on_bad_input(monkeypatch, capsys):
    # given a staff user "taken"
    createstaff("--username", "taken", "--password", PASSWORD)
    # when the console script is asked to create it again
    argv = [
        "fairbill",
        "createstaff",
        "--skip-checks",
        "--username",
        "taken",
        "--password",
        PASSWORD,
    ]
    monkeypatch.setattr("sys.argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    # then it exits with status 1 and says why
    assert exit_info.value.code == 1
    assert "taken" in capsys.readouterr().err
