"""moto's request handling, done once instead of on every request.

moto's server finds the service of every request by listing its own package directory and
calling `isdir` on each of its ~270 entries (`moto.backends.list_of_moto_modules`): about 4 ms
of CPU per request. And every response class lists its own methods with `inspect.getmembers` on
every request (`method_names_from_class`), to check the action exists. Neither the package nor
a class changes while the process runs, so both are read once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from localcloud.patches.installing import install


def apply() -> None:
    """Install the patches (idempotent)."""
    import moto.backends
    import moto.core.responses

    modules = tuple(moto.backends.list_of_moto_modules())

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    install(moto.backends, "list_of_moto_modules", list_of_moto_modules)
    listed = getattr(moto.core.responses, "method_names_from_class")  # noqa: B009 (not re-exported)

    @cache
    def method_names_from_class(clazz: Any) -> list[str]:
        return list(listed(clazz))

    install(moto.core.responses, "method_names_from_class", method_names_from_class)
