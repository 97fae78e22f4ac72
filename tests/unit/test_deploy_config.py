"""`make deploy` refuses placeholder parameters for a deployed stage, and says which to set."""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest

from localcloud.template import load_template
from scripts.deploy_config import main, parse_overrides, render_overrides, resolve

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text())
REAL = ["SenderEmail=news@herald.io", "AlarmEmail=ops@herald.io"]


def _samconfig(stage: str, overrides: str) -> dict[str, Any]:
    return {stage: {"deploy": {"parameters": {"parameter_overrides": overrides}}}}


def test_the_repositorys_dev_and_prod_config_need_a_sender_and_an_alarm_address() -> None:
    for stage in ("dev", "prod"):
        _, problems = resolve(stage, [], template=TEMPLATE, samconfig=SAMCONFIG)

        assert [p.split()[0] for p in problems] == ["SenderEmail", "AlarmEmail"], stage
        assert "verified in SES" in problems[0] and "gets the alarms" in problems[1]


def test_real_addresses_pass_and_the_overrides_merge_samconfigs_with_the_arguments() -> None:
    overrides, problems = resolve("dev", [*REAL, "LogLevel=INFO"], template=TEMPLATE, samconfig=SAMCONFIG)

    assert problems == []
    assert overrides == {
        "Stage": "dev",
        "LogLevel": "INFO",  # the argument wins over samconfig's DEBUG
        "AppUrl": "",
        "SenderEmail": "news@herald.io",
        "AlarmEmail": "ops@herald.io",
    }
    assert parse_overrides(render_overrides(overrides)) == overrides


@pytest.mark.parametrize(
    ("app_url", "complaint"),
    [
        ("http://127.0.0.1:8000", "not an https URL"),
        ("https://localhost", "a local or placeholder address"),
        ("https://10.0.0.7", "a local or placeholder address"),
        ("https://news.example.com", "a local or placeholder address"),
        ("https://news.herald.io/app", "has no path"),
        ("https://news.herald.io/", "has no path"),
    ],
)
def test_a_placeholder_or_unusable_app_url_is_refused(app_url: str, complaint: str) -> None:
    samconfig = _samconfig("dev", 'Stage="dev"')

    _, problems = resolve("dev", [*REAL, f"AppUrl={app_url}"], template=TEMPLATE, samconfig=samconfig)

    assert len(problems) == 1 and problems[0].startswith("AppUrl") and complaint in problems[0]


@pytest.mark.parametrize("address", ["noreply@example.com", "a@b.test", "root@localhost", "not-an-address"])
def test_a_placeholder_sender_is_refused(address: str) -> None:
    _, problems = resolve(
        "dev", ["AlarmEmail=ops@herald.io", f"SenderEmail={address}"], template=TEMPLATE, samconfig=SAMCONFIG
    )

    assert len(problems) == 1 and problems[0].startswith(f"SenderEmail is {address!r}")


def test_the_local_stage_keeps_its_placeholders() -> None:
    _, problems = resolve("local", [], template=TEMPLATE, samconfig=_samconfig("local", 'Stage="local"'))

    assert problems == []


def test_a_copied_environment_that_kept_the_old_stage_is_refused() -> None:
    samconfig = _samconfig("dev-ada", 'Stage="dev" AppUrl=""')

    _, problems = resolve("dev-ada", REAL, template=TEMPLATE, samconfig=samconfig)

    assert problems == [
        "Stage is 'dev' for stage 'dev-ada': set Stage=\"dev-ada\" (every resource name derives from it; "
        "two stacks with one Stage collide)"
    ]


def test_a_misspelt_parameter_is_refused() -> None:
    _, problems = resolve("dev", [*REAL, "SenderEmial=x@herald.io"], template=TEMPLATE, samconfig=SAMCONFIG)

    assert len(problems) == 1 and problems[0].startswith("unknown parameters SenderEmial")


def test_the_command_prints_the_overrides_or_exits_2_naming_what_to_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--stage", "dev", *REAL]) == 0
    printed = capsys.readouterr().out
    assert dict(token.split("=", 1) for token in shlex.split(printed))["SenderEmail"] == "news@herald.io"

    assert main(["--stage", "prod"]) == 2
    refused = capsys.readouterr()
    assert refused.out == ""
    assert "refusing to deploy prod" in refused.err and "- SenderEmail" in refused.err
    assert "samconfig.toml [prod.deploy.parameters]" in refused.err

    assert main(["--stage", "dev-nobody"]) == 2
    assert "no [dev-nobody.deploy.parameters]" in capsys.readouterr().err


def test_the_template_refuses_the_same_placeholders_for_a_hand_run_sam_deploy() -> None:
    rule = TEMPLATE["Rules"]["DeployedStageHasRealAddresses"]
    asserted = {a["Assert"]["Fn::Not"][0]["Fn::Equals"][0]["Ref"]: a for a in rule["Assertions"]}
    defaults = {name: spec.get("Default") for name, spec in TEMPLATE["Parameters"].items()}

    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "Stage"}, "local"]}]}
    for name in ("SenderEmail", "AlarmEmail", "AppUrl"):
        assert asserted[name]["Assert"]["Fn::Not"][0]["Fn::Equals"][1] == defaults[name], name
