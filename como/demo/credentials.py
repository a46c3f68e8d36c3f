"""The demo's secrets, kept in a git-ignored file so every run prints the same login and keys.

The database holds only password hashes and API-key digests; this file (``demo-credentials.json``
in the data directory, readable by its owner only) is where the demo remembers the plain
values it generated, so ``make demo`` run again can print them. It is demo convenience: a real
deployment creates its users and keys in the admin, where a key is shown once.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from como import embedded

FILE_NAME = "demo-credentials.json"


def default_path() -> Path:
    return embedded.data_dir() / FILE_NAME


@dataclass(frozen=True)
class Login:
    username: str
    password: str


@dataclass
class DemoCredentials:
    path: Path
    admin: Login | None = None
    #: workspace slug → the demo member's login
    members: dict[str, Login] = field(default_factory=dict)
    #: workspace slug → the plain secret of its demo API key
    api_keys: dict[str, str] = field(default_factory=dict)
    #: the instant the generated ~90-day history ends at, fixed by the first run
    history_ends_at: datetime | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> DemoCredentials:
        path = path or default_path()
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except FileNotFoundError:
            return cls(path=path)
        except (OSError, ValueError) as error:
            raise ValueError(f"{path} is not readable demo credentials: {error}") from error
        admin = data.get("admin")
        anchor = data.get("history_ends_at")
        return cls(
            path=path,
            admin=Login(**admin) if admin else None,
            members={slug: Login(**login) for slug, login in data.get("members", {}).items()},
            api_keys=dict(data.get("api_keys", {})),
            history_ends_at=datetime.fromisoformat(anchor) if anchor else None,
        )

    def save(self) -> None:
        data = {
            "admin": vars(self.admin) if self.admin else None,
            "members": {slug: vars(login) for slug, login in self.members.items()},
            "api_keys": self.api_keys,
            "history_ends_at": self.history_ends_at.isoformat() if self.history_ends_at else None,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed, so a crash never leaves half a file; 0600
        # from the start, since it holds passwords.
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".demo-credentials-")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(data, handle, indent=2)
                handle.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
