"""Snapshots of one account's moto state (and the pollers' checkpoints) across restarts."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import logging
import os
import pickle
import re
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import moto
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

logger = logging.getLogger("localcloud")

FORMAT = 1
FILE_NAME = "snapshot.pickle"
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class SnapshotError(Exception):
    """The snapshot cannot be written."""


def _new_lock() -> Any:
    return threading.Lock()


def _new_rlock() -> Any:
    return threading.RLock()


def _new_condition() -> threading.Condition:
    return threading.Condition()


def _new_event(is_set: bool) -> threading.Event:
    event = threading.Event()
    if is_set:
        event.set()
    return event


def _load_private_key(pem: bytes) -> PrivateKeyTypes:
    return serialization.load_pem_private_key(pem, password=None)


def _load_public_key(pem: bytes) -> PublicKeyTypes:
    return serialization.load_pem_public_key(pem)


def _nested_dict() -> defaultdict[Any, dict[Any, Any]]:
    return defaultdict(dict)


def _new_defaultdict(cls: type[defaultdict[Any, Any]], factory: Any) -> defaultdict[Any, Any]:
    # A subclass's own __init__ may want other arguments (moto's ssm ParameterDict does).
    instance = cls.__new__(cls)
    defaultdict.__init__(instance, factory)
    return instance


def _global_backend_dict(module: str, attribute: str) -> Any:
    return getattr(importlib.import_module(module), attribute)


class _Pickler(pickle.Pickler):
    """Pickles moto's models, turning what pickle refuses into something rebuildable."""

    def reducer_override(self, obj: Any) -> Any:
        """How to rebuild what plain pickle refuses (NotImplemented: pickle as usual)."""
        kind = type(obj)
        if kind in _LOCK_TYPES:
            return (_new_rlock if kind is type(threading.RLock()) else _new_lock, ())
        if kind is threading.Condition:
            return (_new_condition, ())
        if kind is threading.Event:
            return (_new_event, (obj.is_set(),))
        if kind.__module__.startswith("cryptography.hazmat"):
            return _reduce_key(obj)
        if isinstance(obj, defaultdict):
            return _reduce_defaultdict(obj)
        from moto.core.base_backend import BackendDict

        if isinstance(obj, BackendDict):
            # A model holding a service's global registry must get the live one back.
            return (_global_backend_dict, _locate(obj))
        return NotImplemented


def _reduce_key(obj: Any) -> Any:
    if hasattr(obj, "private_bytes"):
        pem = obj.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return (_load_private_key, (pem,))
    if hasattr(obj, "public_bytes"):
        try:
            pem = obj.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        except (TypeError, ValueError):
            return NotImplemented
        return (_load_public_key, (pem,))
    return NotImplemented


def _reduce_defaultdict(obj: defaultdict[Any, Any]) -> Any:
    factory = obj.default_factory
    if getattr(factory, "__name__", "") == "<lambda>":
        # moto's only such factory today: ssm's `defaultdict(lambda: defaultdict(dict))`.
        sample = factory() if factory is not None else None
        if isinstance(sample, defaultdict) and sample.default_factory is dict:
            factory = _nested_dict
        else:
            raise pickle.PicklingError(f"cannot snapshot a defaultdict of {factory!r}")
    if type(obj) is defaultdict:
        return (defaultdict, (factory,), None, None, iter(obj.items()))
    return (_new_defaultdict, (type(obj), factory), dict(vars(obj)), None, iter(obj.items()))


def _instances(backend_dict_class: Any) -> list[Any]:
    """moto's list of the registries in use (what its reset walks)."""
    instances: list[Any] = backend_dict_class._instances
    return instances


def _backend_dicts() -> Iterator[tuple[tuple[str, str], Any]]:
    """Every moto service registry in use, with where it lives (module, attribute)."""
    from moto.core.base_backend import BackendDict

    for backend_dict in list(_instances(BackendDict)):
        location = _locate(backend_dict)
        if location is not None:
            yield location, backend_dict


def _locate(backend_dict: Any) -> tuple[str, str]:
    module_name = backend_dict.backend.__module__
    module = sys.modules.get(module_name)
    for name, value in vars(module or object()).items():
        if value is backend_dict:
            return module_name, name
    raise pickle.PicklingError(f"cannot locate moto registry for {module_name}")


def forget_account(account_id: str) -> None:
    """Drop every service's state for `account_id` (the other accounts keep theirs)."""
    from moto.core.base_backend import backend_lock

    with backend_lock:
        for _location, backend_dict in _backend_dicts():
            dict.pop(backend_dict, account_id, None)
        index = _s3_bucket_index()
        if index is not None:
            for name, (_partition, owner) in list(index.items()):
                if owner == account_id:
                    del index[name]


def _s3_bucket_index() -> dict[str, tuple[str, str]] | None:
    """moto's process-wide bucket name -> (partition, account) map (None before S3 is used)."""
    module = sys.modules.get("moto.s3.models")
    if module is None:
        return None
    index: dict[str, tuple[str, str]] = module.s3_backends.bucket_accounts
    return index


def _index_buckets(account_id: str, account_backends: Any) -> None:
    # Bucket names are global: unpickling skips the constructor that records them.
    index = _s3_bucket_index()
    if index is None:
        return
    for partition, backend in dict.items(account_backends):
        for name in backend.buckets:
            index[name] = (partition, account_id)


def dumps(account_id: str, extras: dict[str, Any]) -> bytes:
    """Every service's state for `account_id`, plus `extras`, as one pickle (shared refs kept)."""
    services = {
        location: dict.__getitem__(backend_dict, account_id)
        for location, backend_dict in _backend_dicts()
        if dict.__contains__(backend_dict, account_id)
    }
    payload = {
        "format": FORMAT,
        "moto": moto.__version__,
        "python": sys.version_info[:2],
        "account_id": account_id,
        "services": services,
        "extras": extras,
    }
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(payload)
    return buffer.getvalue()


def restore(data: bytes, account_id: str) -> dict[str, Any]:
    """Put a snapshot's state back into moto's registries; returns its extras."""
    from moto.core.base_backend import BackendDict, backend_lock

    payload = pickle.loads(data)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("not a localcloud snapshot of this format")
    if payload.get("moto") != moto.__version__:
        raise ValueError(f"taken with moto {payload.get('moto')}, running {moto.__version__}")
    if tuple(payload.get("python", ())) != tuple(sys.version_info[:2]):
        raise ValueError(f"taken with Python {payload.get('python')}")
    if payload.get("account_id") != account_id:
        raise ValueError(f"taken for account {payload.get('account_id')}, not {account_id}")
    with backend_lock:
        for (module, attribute), account_backends in payload["services"].items():
            backend_dict = _global_backend_dict(module, attribute)
            dict.__setitem__(backend_dict, account_id, account_backends)
            if backend_dict not in _instances(BackendDict):
                _instances(BackendDict).append(backend_dict)
            if module == "moto.s3.models":
                _index_buckets(account_id, account_backends)
    extras: dict[str, Any] = payload.get("extras") or {}
    return extras


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def load_file(path: Path, account_id: str) -> dict[str, Any] | None:
    """Restore from `path` if it exists; an unreadable file is moved aside (start fresh)."""
    if not path.exists():
        return None
    started = time.monotonic()
    try:
        extras = restore(path.read_bytes(), account_id)
    except Exception as exc:
        aside = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
        path.replace(aside)
        forget_account(account_id)
        logger.warning(
            "localcloud: could not restore %s (%s: %s); moved it to %s and starting fresh",
            path,
            type(exc).__name__,
            exc,
            aside,
        )
        return None
    logger.info("localcloud: restored %s in %.2fs", path, time.monotonic() - started)
    return extras


class Snapshotter:
    """Saves every few seconds while something changed, and once more on stop."""

    def __init__(
        self,
        *,
        path: Path,
        account_id: str,
        extras: Callable[[], dict[str, Any]],
        exclusive: Callable[[float], Any],
        interval: float = 3.0,
        before_dump: Callable[[], None] | None = None,
    ) -> None:
        self.path = path
        # Run with the state held exclusively, just before it is pickled.
        self._before_dump = before_dump
        self._account_id = account_id
        self._extras = extras
        self._exclusive = exclusive
        self._interval = interval
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._save_lock = threading.Lock()
        self._last_save_seconds = 0.0

    def mark_dirty(self) -> None:
        """Something changed: save at the next tick."""
        self._dirty.set()

    def start(self) -> None:
        """Start the periodic saver."""
        self._thread = threading.Thread(target=self._run, name="localcloud-snapshot", daemon=True)
        self._thread.start()

    @contextmanager
    def held(self) -> Iterator[None]:
        """No snapshot is written inside (one due waits until the block ends)."""
        with self._save_lock:
            yield

    def stop(self, *, save: bool = True) -> None:
        """Stop the periodic saver and (unless told not to) save one last time."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if save and not self.save(timeout=10.0):
            logger.warning("localcloud: state busy for 10 s at stop; %s keeps the last save", self.path)

    def save(self, timeout: float = 1.0) -> bool:
        """Write the snapshot now; False when the state stayed busy for `timeout` seconds."""
        return self.save_to(self.path, timeout=timeout)

    def save_to(self, path: Path, timeout: float = 1.0) -> bool:
        """Write the state to `path`; False when the state stayed busy for `timeout` seconds."""
        with self._save_lock:
            if path == self.path:
                self._dirty.clear()
            with self._exclusive(timeout) as acquired:
                if not acquired:
                    self._dirty.set()
                    return False
                started = time.monotonic()
                try:
                    data = self._dump()
                except Exception:
                    self._dirty.set()
                    raise
            write_atomically(path, data)
            if path == self.path:
                self._last_save_seconds = time.monotonic() - started
            return True

    def _dump(self) -> bytes:
        if self._before_dump is not None:
            self._before_dump()
        try:
            return dumps(self._account_id, self._extras())
        except RuntimeError:
            # A long poll (which runs unlocked) changed a queue mid-pickle: once more.
            return dumps(self._account_id, self._extras())

    def _pause(self) -> float:
        # A large state takes a while to pickle: save at most a tenth of the time, so a busy
        # cloud (a campaign going out) does not spend its CPU writing snapshots.
        return max(self._interval, 10 * self._last_save_seconds)

    def _run(self) -> None:
        while not self._stopping.wait(self._pause()):
            if not self._dirty.is_set():
                continue
            try:
                self.save()
            except Exception:  # never let a failed save kill the saver; the next tick retries
                logger.exception("localcloud: snapshot failed")


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Library:
    """The named snapshots of a state directory (`<state_dir>/snapshots/<name>.pickle`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        """Where the snapshot `name` lives (SnapshotError for a name that is not a plain word)."""
        if not _NAME.fullmatch(name):
            raise SnapshotError(
                f"{name!r} is not a snapshot name: letters, digits, '.', '_' or '-', at most 64"
            )
        return self.directory / f"{name}.pickle"

    def entries(self) -> list[dict[str, Any]]:
        """Every snapshot: name, size and when it was saved, newest first."""
        if not self.directory.is_dir():
            return []
        found = [(path, path.stat()) for path in self.directory.glob("*.pickle")]
        found.sort(key=lambda pair: pair[1].st_mtime, reverse=True)
        return [self._entry(path.stem, stat) for path, stat in found]

    def entry(self, name: str) -> dict[str, Any] | None:
        """One snapshot's entry, or None when there is none of that name."""
        path = self.path(name)
        return self._entry(name, path.stat()) if path.exists() else None

    def delete(self, name: str) -> bool:
        """Remove a snapshot; False when there was none of that name."""
        path = self.path(name)
        if not path.exists():
            return False
        path.unlink()
        return True

    @staticmethod
    def _entry(name: str, stat: os.stat_result) -> dict[str, Any]:
        saved = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
        return {
            "name": name,
            "bytes": stat.st_size,
            "saved_at": saved.isoformat(timespec="seconds").replace("+00:00", "Z"),
        }
