"""The Store: every repository over one table, each imported and built when first used."""

from __future__ import annotations

import subprocess
import sys
from typing import Any, cast

from app.db import Table
from app.store import Store, _Lazy

COLD_START = """
import sys
from app.db import Table
from app.store import Store
Store(Table("t", None)).profiles
repositories = ("repository", "lists", "subscribers", "suppression", "push")
print(sorted(m for m in sys.modules if m.startswith("app.") and m.endswith(repositories)))
"""


def test_each_repository_is_built_once_over_the_stores_table() -> None:
    # Given a store over a table
    table = Table("herald-test", cast(Any, None))
    store = Store(table)
    names = [name for name, value in vars(Store).items() if isinstance(value, _Lazy)]

    # When every repository is read twice
    first = {name: getattr(store, name) for name in names}
    second = {name: getattr(store, name) for name in names}

    # Then each is the class its attribute declares, over that table, built once
    assert len(names) >= 8
    for name in names:
        declared = Store.__annotations__[name]
        assert declared == f"_Lazy[{type(first[name]).__name__}]", name
        assert first[name].table is table and second[name] is first[name]


def test_a_repository_used_imports_no_other() -> None:
    # Given a fresh interpreter, as a Lambda cold start is
    # When a store is made and only its profiles are used
    out = subprocess.run([sys.executable, "-c", COLD_START], capture_output=True, text=True, check=True)

    # Then only the profiles' repository module was imported
    assert out.stdout.strip() == "['app.users.repository']"
