"""moto's EC2 imported when something uses it, not because SSM or Step Functions is.

Importing `moto.ec2` reads EC2's service model (2 MB of JSON, for its region list) and the
instance type offerings of every region (91 files): about half a second, a sixth of the local
runner's start-up, for a service no template here uses. Two of the services the cloud serves
import it all the same:

- moto's SSM names `ec2_backends` at import, for Run Command's instance targets. Here
  `moto.ssm.models` is imported with a stand-in under that name, which imports EC2 and puts
  the real backends in its place the first time SSM reads it.
- moto's Step Functions interpreter imports `moto.batch.utils` for one enum (`JobStatus`), and
  `moto/batch/__init__.py` imports Batch's models, which import EC2's. Here `moto.batch` is a
  package whose submodules import as usual and whose own body (`from .models import
  batch_backends`) runs the first time one of its attributes is read (moto's backend lookup
  does, for any Batch request).

The modules, backends and answers are moto's own; only when EC2 is imported changes. Nothing
is done once `moto.ec2` is imported already.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any


def apply() -> None:
    """Install the patches (idempotent)."""
    if "moto.ec2" in sys.modules:
        return
    if "moto.batch" not in sys.modules:
        defer_package_body("moto.batch")
    if "moto.ssm.models" not in sys.modules:
        _import_ssm_without_ec2()


class Ec2Backends:
    """Stands in for `moto.ec2.ec2_backends` in `moto.ssm.models` until SSM first reads it."""

    def __getitem__(self, account_id: str) -> Any:
        ec2_backends = importlib.import_module("moto.ec2").ec2_backends
        ssm_models = sys.modules["moto.ssm.models"]
        if getattr(ssm_models, "ec2_backends", None) is self:
            setattr(ssm_models, "ec2_backends", ec2_backends)  # noqa: B010 (not declared by moto)
        return ec2_backends[account_id]


def _import_ssm_without_ec2() -> None:
    stand_in = ModuleType("moto.ec2")
    stand_in.ec2_backends = Ec2Backends()  # type: ignore[attr-defined]
    sys.modules["moto.ec2"] = stand_in
    try:
        importlib.import_module("moto.ssm.models")
    finally:
        if sys.modules.get("moto.ec2") is stand_in:
            del sys.modules["moto.ec2"]


def defer_package_body(name: str) -> ModuleType:
    """Put package `name` in `sys.modules` with its `__path__` set and its body not run yet.

    The body runs (once, under a lock) when an attribute the package does not have yet is read.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not a package")
    loader = spec.loader
    module = importlib.util.module_from_spec(spec)
    lock = threading.RLock()

    def run_body(attribute: str) -> Any:
        with lock:
            if vars(module).get("__getattr__") is run_body:
                del module.__getattr__
                loader.exec_module(module)
        return getattr(module, attribute)

    module.__getattr__ = run_body  # type: ignore[method-assign]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)
    return module
