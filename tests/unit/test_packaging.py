"""The template, the settings and the dependency lists agree with each other."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from app.config import Settings
from localcloud.template import load_template

ROOT = Path(__file__).resolve().parents[2]
# Set by the Lambda runtime or only by the local runner, never by the template.
NOT_FROM_TEMPLATE = {"aws_region", "cognito_jwks_url", "refresh_cookie_max_age"}


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
