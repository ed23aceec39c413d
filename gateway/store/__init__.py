"""The shared case store: the system of record, on SQLite (embedded) or PostgreSQL."""

from gateway.store.engine import create_engine
from gateway.store.migrations import migrate
from gateway.store.repository import CaseStore, Transaction, case_number

__all__ = ["CaseStore", "Transaction", "case_number", "create_engine", "migrate"]
