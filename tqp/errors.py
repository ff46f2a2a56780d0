"""PEP 249 exception hierarchy. Every error a user can cause surfaces as one of these."""


class Warning(Exception):  # noqa: A001 - the name is fixed by PEP 249
    """Important warnings, e.g. data truncation."""


class Error(Exception):
    """Base class of every tqp error."""


class InterfaceError(Error):
    """Misuse of the interface itself: a closed cursor or connection."""


class DatabaseError(Error):
    """Errors related to the database."""


class DataError(DatabaseError):
    """Bad values: division by zero, overflow, out-of-range casts."""


class OperationalError(DatabaseError):
    """Resources and the environment: out of memory, a missing device."""


class IntegrityError(DatabaseError):
    """Relational integrity violated, e.g. NULL into a NOT NULL column."""


class InternalError(DatabaseError):
    """A bug inside tqp; reported rather than hidden."""


class ProgrammingError(DatabaseError):
    """Bad SQL, unknown names, type mismatches, wrong parameter counts."""


class NotSupportedError(DatabaseError):
    """SQL or objects tqp does not handle yet; the message names the construct."""


__all__ = [
    "Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
    "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError",
]
