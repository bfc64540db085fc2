"""Domain errors with stable codes; the API maps them to HTTP in one place."""


class RegistryError(Exception):
    code = "registry_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code:
            self.code = code


class ConfigurationError(RegistryError):
    code = "configuration_error"


class StoreError(RegistryError):
    code = "store_error"


class QuerySyntaxError(RegistryError):
    code = "malformed_query"


class QueryTimeout(RegistryError):
    code = "query_timeout"


class NotFound(RegistryError):
    code = "not_found"


class InvalidInput(RegistryError):
    code = "invalid_input"
