"""Accounts: users, roles, sign-in, one-time password links, throttle and audit log.

Commands (app/accounts/cli.py):
    flask users create EMAIL --name NAME --role member|representative|organiser
                       [--municipality NAME [--create-municipality]]
        The password is read from standard input (one line; asked twice without echo on a
        terminal). With an empty password a one-time link is printed instead:
        BASE_URL/konto/passwort-setzen/<token>, valid 72 hours, usable once; only the
        token's SHA-256 is stored. Representatives need a municipality. The name must match
        an existing municipality exactly (SPEC §2 matches names exactly, and a typo must not
        silently create a second municipality); an unknown name fails with close matches
        suggested, unless --create-municipality is given.
    flask users password-link EMAIL   a new one-time link (earlier ones stop working)
    flask users set-role EMAIL ROLE [--municipality NAME]
    flask users deactivate EMAIL
    flask users list

Pages (app/accounts/views.py, blueprint "accounts" at /konto): anmelden, abmelden (POST),
passwort-setzen/<token>, passwort-aendern, passwort-vergessen (a one-time link by e-mail,
app/mail.py), profil (name, contact role, phone), daten (own data as JSON), loeschen
(deleting the own account, app/accounts/privacy.py), and /konto itself (the own profile).
A deleted author is shown as "ehemaliges Konto": template filter `author_name`.

Other domains record security events with app.accounts.audit.log_security_event.
"""
