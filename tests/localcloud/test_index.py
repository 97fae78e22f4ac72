"""The explicit index: every template resource type and event type is accounted for, exactly once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from localcloud import index
from localcloud.context import ServiceState
from localcloud.template import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [ROOT / "template.yaml", *sorted((ROOT / "tests" / "localcloud").glob("*_template.yaml"))]


def _resource_types(path: Path) -> set[str]:
    return {str(spec["Type"]) for spec in load_template(path)["Resources"].values()}


def _event_types(path: Path) -> set[str]:
    resources = load_template(path)["Resources"].values()
    return {
        str(event["Type"])
        for spec in resources
        if spec["Type"] == "AWS::Serverless::Function"
        for event in ((spec.get("Properties") or {}).get("Events") or {}).values()
    }


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_every_resource_type_has_exactly_one_provisioner_or_a_stated_reason(template: Path) -> None:
    # Given the resource types a template uses
    types = _resource_types(template)

    # Then each is either provisioned or not emulated, never both, never neither
    both = sorted(t for t in types if t in index.PROVISIONERS and t in index.NOT_EMULATED)
    neither = sorted(t for t in types if t not in index.PROVISIONERS and t not in index.NOT_EMULATED)
    assert both == [] and neither == [], {"both": both, "neither": neither}
    assert all(index.NOT_EMULATED[t].strip() for t in types if t in index.NOT_EMULATED)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_every_event_type_of_a_function_has_a_feeder(template: Path) -> None:
    # Given the event types the template's functions use
    types = _event_types(template)

    # Then each one is fed locally
    assert sorted(t for t in types if t not in index.FEEDERS) == []


def test_the_two_tables_never_overlap() -> None:
    assert set(index.PROVISIONERS) & set(index.NOT_EMULATED) == set()


def test_every_reference_names_a_callable_of_a_service_module() -> None:
    # When every reference of the index is loaded
    references = [
        *index.PROVISIONERS.values(),
        *index.FEEDERS.values(),
        *index.STACK_STEPS,
        *index.INTERCEPTORS,
    ]

    # Then each is a callable, and every interceptor keeps its state per cloud
    assert all(callable(index.load(reference)) for reference in references)
    assert all(issubclass(kind, ServiceState) for kind in index.interceptor_types())


def test_the_index_imports_no_service_module_until_one_is_asked_for() -> None:
    # Given a fresh interpreter that imports the index
    script = (
        "import sys, localcloud.index as i; "
        "before = sorted(m for m in sys.modules if m.startswith('localcloud.services.')); "
        "i.provisioner_for('AWS::SQS::Queue'); "
        "after = sorted(m for m in sys.modules if m.startswith('localcloud.services.')); "
        "print(before, 'localcloud.services.sqs' in after, 'localcloud.services.stepfunctions' in after)"
    )

    # When it asks for one provisioner
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)

    # Then only that service (and what it imports) was loaded, and nothing before
    assert out.stdout.split() == ["[]", "True", "False"]
