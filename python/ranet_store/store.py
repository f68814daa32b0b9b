"""Opening a ranet experiment store from Python (standard library ``sqlite3`` only)."""

import os
import sqlite3
import struct

from . import schema


class StoreError(Exception):
    """A store that cannot be used: not SQLite, not a ranet store, another schema version, locked, unwritable."""


def encode_floats(values):
    """Per-exit values as the store's blobs: little-endian float32, one after another."""
    values = [float(v) for v in values]
    return struct.pack("<%df" % len(values), *values)


def decode_floats(blob):
    """The inverse of :func:`encode_floats`."""
    return list(struct.unpack("<%df" % (len(blob) // 4), blob))


def connect(path, busy_timeout=5.0):
    """Opens the store at ``path``, creating the schema when the file is new or empty.

    Refuses (``StoreError`` naming the path), without changing the file: a missing directory, a file that is not
    SQLite, a SQLite database ranet did not create, and a store of another schema version than this package's.
    The connection is in autocommit mode; write with ``BEGIN IMMEDIATE`` ... ``COMMIT`` (see :func:`transaction`).
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise StoreError("store %s: directory %s does not exist" % (path, directory))
    if os.path.isdir(path):
        raise StoreError("store %s is a directory, expected a SQLite file path" % path)
    if os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise StoreError("store %s is not a SQLite database (bad header); refusing to touch it" % path)
    try:
        con = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        _check_and_migrate(con, path)
        con.execute("PRAGMA foreign_keys = ON")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise StoreError("store %s is locked by another writer for more than %.1f s" % (path, busy_timeout))
        raise StoreError("store %s: %s" % (path, error))
    except sqlite3.DatabaseError as error:
        raise StoreError("store %s: %s" % (path, error))
    return con


def _check_and_migrate(con, path):
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version != 0 and con.execute("PRAGMA application_id").fetchone()[0] != schema.APPLICATION_ID:
        raise StoreError("store %s is a SQLite database that ranet did not create" % path)
    if version > schema.SCHEMA_VERSION:
        raise StoreError("store %s has schema version %d; this ranet_store writes version %d (update the package "
                         "or the store's ranet)" % (path, version, schema.SCHEMA_VERSION))
    if version < schema.SCHEMA_VERSION:
        with transaction(con):
            # Re-read under the write lock: another process may have migrated meanwhile.
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0:
                raise StoreError("store %s is a SQLite database that ranet did not create" % path)
            for migration in schema.MIGRATIONS[version:]:
                for statement in schema.statements(migration):
                    con.execute(statement)
            con.execute("PRAGMA application_id = %d" % schema.APPLICATION_ID)
            con.execute("PRAGMA user_version = %d" % schema.SCHEMA_VERSION)
        con.execute("PRAGMA journal_mode = WAL")


class transaction:
    """``with transaction(con):`` runs the block in one immediate write transaction (rolled back on error)."""

    def __init__(self, con):
        self.con = con

    def __enter__(self):
        self.con.execute("BEGIN IMMEDIATE")
        return self.con

    def __exit__(self, kind, value, traceback):
        self.con.execute("COMMIT" if kind is None else "ROLLBACK")
        return False
