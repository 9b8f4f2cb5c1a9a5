"""In-memory fakes of the repository Protocols and of the unit of work, for use-case tests that
need the logic and not the database. `tests/contracts/` runs the same tests over these and the
SQL repositories, so the fakes answer as the database does."""

from fakes.records import DuplicateKey
from fakes.uow import MemoryStore, MemoryUnitOfWork

__all__ = ["DuplicateKey", "MemoryStore", "MemoryUnitOfWork"]
