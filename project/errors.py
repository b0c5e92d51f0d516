"""Domain errors raised by services and selectors.

The API maps each class to one HTTP status (project/api/exceptions.py); the
admin and management commands show the message as it is.
"""


class DomainError(Exception):
    status = 500

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class TooLarge(DomainError):
    status = 413


class UnsupportedMediaType(DomainError):
    status = 415


class Gone(DomainError):
    status = 410


class ServiceUnavailable(DomainError):
    status = 503
