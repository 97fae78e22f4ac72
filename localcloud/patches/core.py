"""moto's request handling, done once instead of on every request.

moto's server finds the service of every request by listing its own package directory and
calling `isdir` on each of its ~270 entries (`moto.backends.list_of_moto_modules`): about 4 ms
of CPU per request. And every response class lists its own methods with `inspect.getmembers` on
every request (`method_names_from_class`), to check the action exists. Neither the package nor
a class changes while the process runs, so both are read once.

Every response carries a request id of 52 random letters and digits, which moto drew with one
`choice` call each; `choices` draws them from the same pool with the same (seedable) generator in
one call. So do the other identifiers a campaign draws by the thousand: each SQS receipt handle
(185 lowercase letters, at every receive of a message) and each SES message id (six groups of
lowercase letters).
"""

from __future__ import annotations

import string
from functools import cache
from typing import Any

from localcloud.patches.installing import install


def apply() -> None:
    """Install the patches (idempotent)."""
    import moto.backends
    import moto.core.responses
    from moto.moto_api._internal.moto_random import MotoRandom

    modules = tuple(moto.backends.list_of_moto_modules())

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    install(moto.backends, "list_of_moto_modules", list_of_moto_modules)
    listed = getattr(moto.core.responses, "method_names_from_class")  # noqa: B009 (not re-exported)

    @cache
    def method_names_from_class(clazz: Any) -> list[str]:
        return list(listed(clazz))

    install(moto.core.responses, "method_names_from_class", method_names_from_class)
    install(MotoRandom, "get_random_string", _random_string)
    import moto.ses.utils
    import moto.sqs.models
    import moto.sqs.utils

    install(moto.sqs.utils, "generate_receipt_handle", _receipt_handle)
    install(moto.sqs.models, "generate_receipt_handle", _receipt_handle)  # imported there by name
    install(moto.ses.utils, "random_hex", _lowercase)  # what its message ids are made of


def _lowercase(length: int) -> str:
    """`length` lowercase letters from moto's generator, in one draw (moto: one `choice` each)."""
    from moto.moto_api._internal import mock_random

    return "".join(mock_random.choices(string.ascii_lowercase, k=length))


def _receipt_handle() -> str:
    """An SQS receipt handle as moto makes one: 185 lowercase letters."""
    return _lowercase(185)


def _random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
    """MotoRandom.get_random_string: `length` characters drawn from moto's pool in one call."""
    pool = string.ascii_letters + string.digits if include_digits else string.ascii_letters
    drawn = "".join(self.choices(pool, k=length))
    return drawn.lower() if lower_case else drawn
