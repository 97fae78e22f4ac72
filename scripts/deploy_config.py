"""Check a stage's deploy parameters and print them for `sam deploy --parameter-overrides`.

`make deploy` runs this before anything else. The values are the template's defaults, then
samconfig.toml's `[<stage>.deploy.parameters] parameter_overrides`, then `Key=Value` arguments
(`make deploy PARAMS="..."`), the last winning. For any stage but `local` it refuses the
placeholders a deployed stack must never keep: a SenderEmail or AlarmEmail that is empty or at
a reserved domain (example.com, .test, ...), and an AppUrl on a loopback or reserved host, not
https, or with a path (it is also the imports bucket's CORS origin). An empty AppUrl is the
site's own URL. On success it prints samconfig's and the arguments' values, merged; on
failure it says which parameter to set, where, and exits 2.
Usage: python scripts/deploy_config.py --stage dev [SenderEmail=news@herald.example.org ...]
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from localcloud.template import load_template  # noqa: E402

LOCAL_STAGE = "local"
RESERVED_DOMAINS = ("example.com", "example.org", "example.net", "localhost")
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local", ".internal")


class DeployConfigError(Exception):
    """The configuration cannot be read at all (no such samconfig environment, bad syntax)."""


def parse_overrides(text: str) -> dict[str, str]:
    """`Key="Value" Other=value` (samconfig's parameter_overrides syntax) as a dict."""
    return parse_assignments(shlex.split(text))


def parse_assignments(tokens: Sequence[str]) -> dict[str, str]:
    """`Key=Value` tokens as a dict."""
    values = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise DeployConfigError(f"{token!r} is not Key=Value")
        values[key] = value
    return values


def render_overrides(values: Mapping[str, str]) -> str:
    """The inverse of `parse_overrides`, as `sam deploy --parameter-overrides` reads it."""
    return " ".join(f'{key}="{value}"' for key, value in values.items())


def samconfig_overrides(samconfig: Mapping[str, Any], stage: str) -> dict[str, str]:
    """The parameter overrides of `[<stage>.deploy.parameters]`."""
    environment = samconfig.get(stage)
    if not isinstance(environment, Mapping) or "deploy" not in environment:
        raise DeployConfigError(
            f"samconfig.toml has no [{stage}.deploy.parameters]: copy the [dev] tables as [{stage}] "
            f'and set Stage="{stage}" and stack_name="herald-{stage}" in them'
        )
    return parse_overrides(str(environment["deploy"].get("parameters", {}).get("parameter_overrides", "")))


def _reserved_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return any(host == d or host.endswith("." + d) for d in RESERVED_DOMAINS) or host.endswith(
            RESERVED_SUFFIXES
        )
    return address.is_loopback or address.is_private or address.is_unspecified or address.is_link_local


def _email_problem(name: str, value: str, purpose: str) -> str | None:
    local, _, domain = value.rpartition("@")
    if not value:
        return f"{name} is empty: set it to {purpose}"
    if not local or "." not in domain or _reserved_host(domain):
        return f"{name} is {value!r}, a placeholder: set it to {purpose}"
    return None


def _app_url_problem(value: str) -> str | None:
    if value == "":
        return None  # the site's own URL: DomainName, else the CloudFront domain
    parts = urlsplit(value)
    fix = 'set the https origin people open (https://news.your-domain, no path), or "" for the site URL'
    if parts.scheme != "https" or not parts.hostname:
        return f"AppUrl is {value!r}, not an https URL: {fix}"
    if _reserved_host(parts.hostname):
        return f"AppUrl is {value!r}, a local or placeholder address: {fix}"
    if parts.path or parts.query or parts.fragment:
        return f"AppUrl is {value!r}: it is also the imports bucket's CORS origin, which has no path; {fix}"
    return None


def problems(stage: str, values: Mapping[str, str], declared: Sequence[str]) -> list[str]:
    """What must change before `stage` is deployed with `values` (empty when nothing)."""
    found = []
    unknown = sorted(set(values) - set(declared))
    if unknown:
        found.append(f"unknown parameters {', '.join(unknown)} (the template has: {', '.join(declared)})")
    if values.get("Stage") != stage:
        found.append(
            f'Stage is {values.get("Stage")!r} for stage {stage!r}: set Stage="{stage}" (every resource '
            "name derives from it; two stacks with one Stage collide)"
        )
    if stage == LOCAL_STAGE:
        return found
    checks = (
        _email_problem("SenderEmail", values.get("SenderEmail", ""), "the From address, verified in SES"),
        _email_problem("AlarmEmail", values.get("AlarmEmail", ""), "the address that gets the alarms"),
        _app_url_problem(values.get("AppUrl", "")),
    )
    return found + [problem for problem in checks if problem]


def resolve(
    stage: str, arguments: Sequence[str], *, template: Mapping[str, Any], samconfig: Mapping[str, Any]
) -> tuple[dict[str, str], list[str]]:
    """The overrides to pass (samconfig's, then the arguments') and the problems of the result."""
    declared = template.get("Parameters") or {}
    defaults = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
    overrides = {**samconfig_overrides(samconfig, stage), **parse_assignments(arguments)}
    if any('"' in value for value in overrides.values()):
        return overrides, ["a parameter value contains a double quote, which sam deploy cannot pass through"]
    return overrides, problems(stage, {**defaults, **overrides}, list(declared))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: prints the overrides, or the problems (exit status 2)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--samconfig", type=Path, default=ROOT / "samconfig.toml")
    parser.add_argument("parameters", nargs="*", metavar="Key=Value")
    args = parser.parse_args(argv)
    try:
        overrides, found = resolve(
            args.stage,
            args.parameters,
            template=load_template(args.template),
            samconfig=tomllib.loads(args.samconfig.read_text(encoding="utf-8")),
        )
    except DeployConfigError as exc:
        sys.stderr.write(f"refusing to deploy {args.stage}: {exc}\n")
        return 2
    if found:
        sys.stderr.write(f"refusing to deploy {args.stage}:\n")
        sys.stderr.writelines(f"  - {problem}\n" for problem in found)
        sys.stderr.write(
            f"set them in samconfig.toml [{args.stage}.deploy.parameters] parameter_overrides"
            ' or with make deploy PARAMS="Key=Value ..."\n'
        )
        return 2
    sys.stdout.write(render_overrides(overrides) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
