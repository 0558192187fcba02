"""Answers cached in SQLite under ``.aiap/``, keyed by model, messages and parameters.

The same failure asked the same way gets the same answer without a request: a second run
costs no tokens. Any trouble with the database (read-only directory, a corrupt file) turns the
cache off with a message; it never stops a repair.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aiap.llm.provider import Answer, Message

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    answer TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def cache_key(model: str, messages: Sequence[Message], params: Mapping[str, Any]) -> str:
    payload = json.dumps(
        {"model": model, "messages": list(messages), "params": dict(params)},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AnswerCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.error = ""  # why the cache is off, once it is

    def _connect(self) -> sqlite3.Connection | None:
        if self.error:
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10)
            db.execute(SCHEMA)
            return db
        except (OSError, sqlite3.Error) as e:
            self.error = f"LLM answer cache off ({self.path.name}: {e})"
            return None

    def get(self, key: str) -> Answer | None:
        db = self._connect()
        if db is None:
            return None
        try:
            with db:
                row = db.execute("SELECT answer FROM answers WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as e:
            self.error = f"LLM answer cache off ({self.path.name}: {e})"
            return None
        finally:
            db.close()
        if row is None:
            return None
        try:
            answer = Answer.model_validate_json(row[0])
        except ValueError:
            return None
        return answer.model_copy(update={"cached": True})

    def put(self, key: str, model: str, answer: Answer) -> None:
        db = self._connect()
        if db is None:
            return
        try:
            with db:
                db.execute(
                    "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                    (key, model, answer.model_dump_json(), time.time()),
                )
        except sqlite3.Error as e:
            self.error = f"LLM answer cache off ({self.path.name}: {e})"
        finally:
            db.close()
