"""Errors a user can act on. Each carries the HTTP status the REST layer answers with."""


class DeployitError(Exception):
    status = 500
    headers: dict | None = None  # sent with the error's answer

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadRequest(DeployitError):
    status = 400


class Unauthorized(DeployitError):
    status = 401


class Forbidden(DeployitError):
    status = 403


class NotFound(DeployitError):
    status = 404


class Conflict(DeployitError):
    status = 409


class PayloadTooLarge(DeployitError):
    status = 413


class TooManyRequests(DeployitError):
    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, retry_after))}  # seconds
