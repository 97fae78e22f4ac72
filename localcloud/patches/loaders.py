"""botocore's data files, read once per process instead of once per session.

A botocore `Loader` caches what it reads for itself only, and every session makes its own. moto
makes sessions (and loaders) where it needs a list or a model: `RegionsAndZonesBackend` makes
three while `moto.ec2` is imported (moto's Step Functions interpreter imports it, through
`moto.batch`), each reading EC2's model (2 MB of JSON) to learn its endpoint prefix; every service
model moto loads makes a loader of moto's, which first lists the ~400 service directories. At
the local runner's start that was over a second of reading the same files again.

Here sessions with the default data path share one loader, and moto's models one of moto's: the
same files, parsed once. A session always shared its loader among its clients, so the data is
used as before; a session given its own data path (`AWS_DATA_PATH`) keeps a loader of its own.
boto3 adds its own data directory to a session's loader each time: the shared loader's search
paths take a directory once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from localcloud.patches.installing import install


class SearchPaths(list[str]):
    """A loader's search paths, each directory once (boto3 appends its own on every session)."""

    def append(self, path: str) -> None:
        """Add `path` unless it is searched already."""
        if path not in self:
            super().append(path)


def _one(make: Callable[[], Any]) -> Callable[[], Any]:
    """`make()` on the first call, the same object on every later one."""
    made: list[Any] = []
    lock = threading.Lock()

    def shared() -> Any:
        if not made:
            with lock:
                if not made:
                    made.append(make())
        return made[0]

    return shared


def apply() -> None:
    """Install the patches (idempotent)."""
    import botocore.loaders
    import botocore.session
    import moto.core.loaders
    import moto.core.utils

    default_loader = _one(lambda: botocore.loaders.Loader(extra_search_paths=SearchPaths()))
    create = botocore.session.create_loader

    def create_loader(search_path_string: str | None = None) -> Any:
        return default_loader() if search_path_string is None else create(search_path_string)

    install(botocore.session, "create_loader", create_loader)
    moto_root = moto.core.loaders.moto_root
    moto_loader = _one(lambda: moto.core.loaders.Loader(extra_search_paths=SearchPaths([moto_root])))

    def create_moto_loader() -> Any:
        return moto_loader()

    install(moto.core.utils, "create_loader", create_moto_loader)
