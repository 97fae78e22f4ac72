"""The template, the settings, the dependency lists, the lock and the build agree with each other."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from app.config import Settings
from localcloud.template import load_template

ROOT = Path(__file__).resolve().parents[2]
# Set by the Lambda runtime or only by the local runner, never by the template; and the auth
# limits, whose defaults hold in every stage unless a stage's environment says otherwise.
AUTH_LIMITS = {name for name in Settings.model_fields if name.endswith(("_per_address", "_per_account"))}
NOT_FROM_TEMPLATE = {"aws_region", "cognito_jwks_url", "refresh_cookie_max_age", *AUTH_LIMITS}


def _template_variables() -> set[str]:
    template = load_template(ROOT / "template.yaml")
    names = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            names |= set(resource["Properties"].get("Environment", {}).get("Variables", {}))
    return names


def test_every_setting_is_set_by_the_template_under_its_own_name() -> None:
    variables = _template_variables()
    missing = {name.upper() for name in Settings.model_fields if name not in NOT_FROM_TEMPLATE} - variables
    assert not missing, f"settings the template never sets: {sorted(missing)}"


def test_requirements_txt_matches_the_runtime_dependencies() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    listed = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert listed == declared


def test_importing_the_api_handler_creates_no_client_and_skips_heavy_imports() -> None:
    code = (
        "import sys, app.main\n"
        "heavy = [m for m in ('boto3', 'botocore.client', 'jwt', 'aws_xray_sdk', 'cryptography',"
        " 'pydantic_settings', 'app.contacts.router', 'app.campaigns.router')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == ""


# ---------------------------------------------------------------- the lock and the layer

RUNTIME_PROVIDED_LINE = re.compile(r"^RUNTIME_PROVIDED := (.+)$", re.MULTILINE)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def _runtime_provided() -> set[str]:
    match = RUNTIME_PROVIDED_LINE.search((ROOT / "Makefile").read_text())
    assert match, "the Makefile names the packages the Lambda runtime provides"
    return {canonicalize_name(name) for name in match.group(1).split()}


def _lock() -> tuple[dict[str, Version], dict[str, list[str]], set[str], str]:
    """Pins, hashes per pin, the packages the lock says come from requirements.txt, its header."""
    text = (ROOT / "requirements.lock").read_text()
    pins: dict[str, Version] = {}
    hashes: dict[str, list[str]] = {}
    direct: set[str] = set()
    current = ""
    for line in text.splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match.group(1))
            pins[current], hashes[current] = Version(match.group(2)), []
        elif line.strip().startswith("--hash=sha256:"):
            hashes[current].append(line.strip())
        elif line.strip() in ("# via -r requirements.txt", "#   -r requirements.txt"):
            direct.add(current)
    return pins, hashes, direct, text.split("\n\n", 1)[0]


def _requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def test_the_lock_pins_every_requirement_within_its_range_with_hashes() -> None:
    pins, hashes, direct, _ = _lock()
    requirements = [r for r in _requirements() if canonicalize_name(r.name) not in _runtime_provided()]

    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run make lock"
        assert pins[name] in requirement.specifier, f"{name}=={pins[name]} outside {requirement}: make lock"
    assert direct == {canonicalize_name(r.name) for r in requirements}, "make lock"
    assert all(hashes.values()), [name for name, found in hashes.items() if not found]


def test_the_lock_leaves_the_runtimes_boto3_out_and_was_made_for_lambda() -> None:
    pins, _, _, header = _lock()

    assert not _runtime_provided() & set(pins)
    emitted = set(re.findall(r"--no-emit-package (\S+)", header))
    assert {canonicalize_name(n) for n in emitted} == _runtime_provided(), "make lock"
    for flag in ("--generate-hashes", "--python-platform aarch64-manylinux2014", "--python-version 3.13"):
        assert flag in header, flag
    assert pins["jinja2"] >= Version("3.1.6")  # sandbox escapes before it


def _imported_packages(path: Path) -> set[str]:
    """Top-level modules a file imports at run time (not under `if TYPE_CHECKING:`)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def test_every_package_the_functions_import_is_in_the_layer_or_the_runtime() -> None:
    pins, *_ = _lock()
    shipped = set(pins) | _runtime_provided()
    distributions = packages_distributions()
    missing = {}
    for path in sorted([*ROOT.glob("app/**/*.py"), *ROOT.glob("workers/**/*.py")]):
        for module in _imported_packages(path) - set(sys.stdlib_module_names) - {"app", "workers"}:
            names = {canonicalize_name(d) for d in distributions.get(module, [module])}
            if not names & shipped:
                missing[module] = path.relative_to(ROOT).as_posix()
    assert not missing, f"imported but neither in requirements.lock nor the runtime: {missing}"


def test_every_makefile_built_resource_has_its_build_target() -> None:
    template = load_template(ROOT / "template.yaml")
    built = {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if (resource.get("Metadata") or {}).get("BuildMethod") == "makefile"
    }
    targets = set(re.findall(r"\bbuild-(\w+)", (ROOT / "Makefile").read_text()))

    assert "DependenciesLayer" in built
    assert built <= targets, f"no build-<id> target in the Makefile: {sorted(built - targets)}"
    functions = {i for i, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert functions <= built, "every function is built by the Makefile (its code only, no dependencies)"
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "DependenciesLayer"}]
