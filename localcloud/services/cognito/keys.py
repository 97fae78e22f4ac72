"""The key the embedded Cognito signs tokens with: one per state directory, never moto's own.

The key is made on first use and kept beside the snapshot (`cognito-signing-key.pem`, mode 0600),
so sessions survive a restart and a fresh state directory gets a fresh key; a cloud without a
state directory makes one per start. Every pool of the cloud signs with it (`patches.cognito`)
and `GET /<pool id>/.well-known/jwks.json` serves its public half, under its RFC 7638 thumbprint.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from localcloud.context import Core, ServiceState
from localcloud.dispatch import Exchange
from localcloud.patches.cognito import SIGNING_KEY
from localcloud.server import WsgiResponse

KEY_FILE = "cognito-signing-key.pem"
_JWKS_PATH = re.compile(r"^/(?P<pool_id>[\w-]+_[0-9A-Za-z]+)/\.well-known/jwks\.json$")
_CREATE_USER_POOL = "AWSCognitoIdentityProviderService.CreateUserPool"


class SigningKey:
    """An RSA private key, its key id, and the JWKS of its public half.

    Pickled (with a pool in a snapshot) it leaves the private key behind: the pool is given its
    cloud's key again when the cloud provisions it.
    """

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._private_key = private_key
        public = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
        self.kid = _thumbprint(public)
        self.jwks: dict[str, Any] = {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def sign(self, claims: dict[str, Any]) -> str:
        """`claims` as an RS256 token under this key's id."""
        return jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})

    def resign(self, token: str) -> str:
        """The claims of `token` (moto's own, not verified: moto just made it) signed with this key."""
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return self.sign(claims)

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return (_left_behind, ())


def _left_behind() -> None:
    """What a snapshot restores in place of a signing key: nothing."""
    return None


def _thumbprint(public: dict[str, Any]) -> str:
    """RFC 7638: the SHA-256 of the required members in lexical order, base64url."""
    from cryptography.hazmat.primitives import hashes

    canonical = json.dumps({name: public[name] for name in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashes.Hash(hashes.SHA256())
    digest.update(canonical.encode())
    return base64.urlsafe_b64encode(digest.finalize()).rstrip(b"=").decode()


def load_or_create(state_dir: Path | None) -> SigningKey:
    """The key of `state_dir` (made and written with mode 0600 when it has none); a new one without."""
    if state_dir is None:
        return SigningKey(_new_private_key())
    path = state_dir / KEY_FILE
    if not path.exists():
        _write_new_key(path)
    private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key; delete it to start with a new one")
    return SigningKey(private_key)


def _new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_new_key(path: Path) -> None:
    """Write a new key so that a crash or a second cloud starting on the same directory never leaves
    a partial file or replaces a key already handed out."""
    pem = _new_private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)  # fails if another start wrote one first: that one is kept
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


class CognitoSigning(ServiceState):
    """The cloud's signing key: given to each of its pools, served as their JWKS."""

    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._state_dir = core.state_dir
        self._account_id = core.account_id
        self._key: SigningKey | None = None
        self._lock = threading.Lock()

    @property
    def key(self) -> SigningKey:
        """The key (read or made on first use: a stack without Cognito never makes one)."""
        with self._lock:
            if self._key is None:
                self._key = load_or_create(self._state_dir)
            return self._key

    def assign(self, pool_id: str) -> None:
        """Make the pool `pool_id` of this cloud sign its tokens with the cloud's key."""
        pool = self._pool(pool_id)
        if pool is not None:
            setattr(pool, SIGNING_KEY, self.key)

    def _pool(self, pool_id: str) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends

        region = pool_id.split("_", 1)[0]
        return cognitoidp_backends[self._account_id][region].user_pools.get(pool_id)

    def __call__(self, exchange: Exchange) -> WsgiResponse | None:
        """Serve a pool's JWKS; give a pool made by `CreateUserPool` the cloud's key."""
        if exchange.method == "GET":
            found = _JWKS_PATH.match(exchange.path)
            return None if found is None else self._jwks(found["pool_id"])
        if exchange.method == "POST" and exchange.target == _CREATE_USER_POOL:
            response = exchange.forward()
            if response.status == 200:
                self.assign(str(json.loads(response.body)["UserPool"]["Id"]))
            return response
        return None

    def _jwks(self, pool_id: str) -> WsgiResponse:
        if self._pool(pool_id) is None:
            return WsgiResponse.aws_json_error(
                404, "ResourceNotFoundException", f"User pool {pool_id} does not exist."
            )
        return WsgiResponse.json(200, self.key.jwks)
