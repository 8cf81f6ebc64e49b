"""Refusals of a use case that are not a bad field: the API maps them to 409 with their code."""


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
