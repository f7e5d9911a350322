"""`security`: switching users inside a session (login/logout); users, roles and permissions come with
the security issue."""

from __future__ import annotations

from .base import CliObject, signature


class Security(CliObject):
    name = "security"
    description = "Access to the security settings of XL Deploy."

    @signature("(String username, String password) : void")
    def login(self, username, password):
        """Log in as another user. The credentials are checked first; when they are wrong the session stays
        with the current user and an error is raised."""
        client = self._client
        previous = (client.username, client.password)
        client.set_credentials(str(username), "" if password is None else str(password))
        try:
            client.check_login()
        except Exception:
            client.set_credentials(*previous)
            raise
        self._session.types.reset()

    @signature("() : void")
    def logout(self):
        """Log out; until security.login(...) the server refuses further calls."""
        self._client.set_credentials(None, None)
