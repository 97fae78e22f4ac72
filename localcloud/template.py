"""Load a SAM/CloudFormation template and resolve its intrinsic functions locally."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account
DEFAULT_REGION = "us-east-1"
DEFAULT_STACK_NAME = "herald-local"
LOCAL_PARAMETER_DEFAULTS = {"Stage": "local"}

_FUNCTIONS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
)
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(Exception):
    """The template cannot be loaded or one of its values cannot be resolved."""


class _NoValue:
    """`AWS::NoValue`: removes the property (or list item) that resolves to it."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


class CfnLoader(yaml.CSafeLoader):
    """A SafeLoader that turns CloudFormation short tags (`!Ref`, `!Sub`, ...) into long form.

    libyaml's parser (PyYAML's `CSafeLoader`, the same safe constructors and resolver): the
    pure-Python one took a tenth of the local runner's start-up on Herald's template.
    """


def _construct_any(loader: yaml.CSafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise TemplateError(f"unsupported YAML node {node!r}")  # pragma: no cover


def _function_constructor(name: str) -> Callable[[yaml.CSafeLoader, yaml.Node], Any]:
    key = "Ref" if name == "Ref" else "Condition" if name == "Condition" else f"Fn::{name}"

    def construct(loader: yaml.CSafeLoader, node: yaml.Node) -> Any:
        return {key: _construct_any(loader, node)}

    return construct


def _construct_get_att(loader: yaml.CSafeLoader, node: yaml.Node) -> Any:
    value = _construct_any(loader, node)
    if isinstance(value, str):
        # "A.B.C" is resource A, attribute "B.C" (nested attributes keep their dots).
        logical_id, _, attribute = value.partition(".")
        value = [logical_id, attribute]
    return {"Fn::GetAtt": value}


for _name in (*_FUNCTIONS, "Ref", "Condition"):
    CfnLoader.add_constructor(f"!{_name}", _function_constructor(_name))
CfnLoader.add_constructor("!GetAtt", _construct_get_att)


def load_template(path: Path) -> dict[str, Any]:
    """Parse a template file (YAML or JSON) with the short intrinsic tags understood."""
    try:
        # CfnLoader is a SafeLoader: the tags only build plain dicts, never objects.
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=CfnLoader)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
    return document


def _merge_globals(defaults: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rule: maps merge key by key, anything else in the resource wins."""
    merged = dict(defaults)
    for key, value in own.items():
        base = merged.get(key)
        if isinstance(base, Mapping) and isinstance(value, Mapping) and not _is_intrinsic(value):
            merged[key] = _merge_globals(base, value)
        else:
            merged[key] = value
    return merged


_GLOBALS_SECTIONS = {
    "AWS::Serverless::Function": "Function",
    "AWS::Serverless::Api": "Api",
    "AWS::Serverless::HttpApi": "HttpApi",
    "AWS::Serverless::SimpleTable": "SimpleTable",
    "AWS::Serverless::StateMachine": "StateMachine",
}


def _is_intrinsic(value: Any) -> bool:
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    (key,) = value.keys()
    return key in ("Ref", "Condition") or str(key).startswith("Fn::")


@dataclass(frozen=True)
class ResourceSpec:
    """One resource of the template, with SAM Globals already merged into its Properties."""

    logical_id: str
    type: str
    properties: dict[str, Any]
    condition: str | None = None
    depends_on: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResourceState:
    """What a provisioned (or recorded) resource answers to `Ref` and `Fn::GetAtt`."""

    logical_id: str
    type: str
    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)
    emulated: bool = True


class Template:
    """A loaded template: parameters, conditions, resources in dependency order, and a resolver."""

    def __init__(
        self,
        document: Mapping[str, Any],
        *,
        parameters: Mapping[str, str] | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = DEFAULT_REGION,
        stack_name: str = DEFAULT_STACK_NAME,
        directory: Path | None = None,
    ) -> None:
        self.document = document
        # Where relative file properties (a state machine's DefinitionUri) are read from.
        self.directory = directory or Path.cwd()
        self.account_id = account_id
        self.region = region
        self.stack_name = stack_name
        self.pseudo: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::StackId": (f"arn:aws:cloudformation:{region}:{account_id}:stack/{stack_name}/local"),
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        self.parameters = self._parameter_values(parameters or {})
        self.mappings: Mapping[str, Any] = document.get("Mappings") or {}
        self._condition_specs: Mapping[str, Any] = document.get("Conditions") or {}
        self._conditions: dict[str, bool] = {}
        self.resources = self._resource_specs()
        self.states: dict[str, ResourceState] = {}

    @classmethod
    def from_file(cls, path: Path, **kwargs: Any) -> Template:
        """Load and prepare the template at `path`."""
        return cls(load_template(path), directory=path.resolve().parent, **kwargs)

    # ------------------------------------------------------------------ parameters

    def _parameter_values(self, overrides: Mapping[str, str]) -> dict[str, Any]:
        declared: Mapping[str, Any] = self.document.get("Parameters") or {}
        unknown = sorted(set(overrides) - set(declared))
        if unknown:
            raise TemplateError(f"unknown parameters: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in overrides:
                raw: Any = overrides[name]
            elif name in LOCAL_PARAMETER_DEFAULTS:
                raw = LOCAL_PARAMETER_DEFAULTS[name]
            elif "Default" in spec:
                raw = spec["Default"]
            else:
                raise TemplateError(f"parameter {name} has no default and no value was given")
            values[name] = _typed_parameter(name, spec, raw)
        return values

    # ------------------------------------------------------------------ resources

    def _resource_specs(self) -> dict[str, ResourceSpec]:
        globals_section: Mapping[str, Any] = self.document.get("Globals") or {}
        specs: dict[str, ResourceSpec] = {}
        for logical_id, body in self.document["Resources"].items():
            resource_type = body.get("Type")
            if not isinstance(resource_type, str):
                raise TemplateError(f"resource {logical_id} has no Type")
            properties = dict(body.get("Properties") or {})
            section = _GLOBALS_SECTIONS.get(resource_type)
            if section and section in globals_section:
                properties = _merge_globals(globals_section[section], properties)
            depends_on = body.get("DependsOn") or ()
            if isinstance(depends_on, str):
                depends_on = (depends_on,)
            specs[logical_id] = ResourceSpec(
                logical_id=logical_id,
                type=resource_type,
                properties=properties,
                condition=body.get("Condition"),
                depends_on=tuple(depends_on),
                metadata=dict(body.get("Metadata") or {}),
            )
        return specs

    def is_enabled(self, spec: ResourceSpec) -> bool:
        """False when the resource's `Condition` is false (it is then skipped)."""
        return spec.condition is None or self.condition(spec.condition)

    def dependencies(self, spec: ResourceSpec) -> set[str]:
        """Logical ids of the resources `spec` refers to (Ref, GetAtt, Sub, DependsOn)."""
        found = set(spec.depends_on)
        for name in _referenced_names(spec.properties):
            if name in self.resources and name != spec.logical_id:
                found.add(name)
        return found

    def provisioning_order(self) -> list[ResourceSpec]:
        """Every resource, dependencies first (template order among independent ones)."""
        enabled = {logical_id: spec for logical_id, spec in self.resources.items() if self.is_enabled(spec)}
        pending = {
            logical_id: {dep for dep in self.dependencies(spec) if dep in enabled}
            for logical_id, spec in enabled.items()
        }
        order: list[ResourceSpec] = []
        while pending:
            ready = [logical_id for logical_id, deps in pending.items() if not deps]
            if not ready:
                cycle = ", ".join(sorted(pending))
                raise TemplateError(f"circular dependency between resources: {cycle}")
            for logical_id in ready:
                order.append(enabled[logical_id])
                del pending[logical_id]
            for deps in pending.values():
                deps.difference_update(ready)
        return order

    # ------------------------------------------------------------------ conditions

    def condition(self, name: str) -> bool:
        """The value of a named condition (evaluated once)."""
        if name not in self._conditions:
            if name not in self._condition_specs:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(self._condition_specs[name]))
        return self._conditions[name]

    # ------------------------------------------------------------------ resolution

    def record(self, state: ResourceState) -> None:
        """Make a provisioned resource's ids available to `Ref` and `Fn::GetAtt`."""
        self.states[state.logical_id] = state

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic function in `value` (AWS::NoValue entries are dropped)."""
        if isinstance(value, Mapping):
            if _is_intrinsic(value):
                ((key, argument),) = value.items()
                return self._intrinsic(str(key), argument)
            resolved_map = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in resolved_map.items() if v is not NO_VALUE}
        if isinstance(value, list):
            resolved_list = [self.resolve(item) for item in value]
            return [item for item in resolved_list if item is not NO_VALUE]
        return value

    def ref(self, name: str) -> Any:
        """`Ref name`: a parameter, a pseudo parameter or a provisioned resource."""
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        return self._state(name).ref

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """`Fn::GetAtt [logical_id, attribute]` of a provisioned resource."""
        state = self._state(logical_id)
        if attribute in state.attributes:
            return state.attributes[attribute]
        if not state.emulated:
            # Not emulated locally: answer something recognisable so dependents still load.
            if attribute == "Arn":
                return f"arn:aws:local:{self.region}:{self.account_id}:{logical_id}"
            return f"{logical_id}.{attribute}:not-emulated-locally"
        known = ", ".join(sorted(state.attributes)) or "none"
        raise TemplateError(
            f"{logical_id} ({state.type}) has no attribute {attribute} locally (known: {known})"
        )

    def _state(self, logical_id: str) -> ResourceState:
        if logical_id in self.states:
            return self.states[logical_id]
        if logical_id in self.resources:
            raise TemplateError(f"{logical_id} is referenced before it was provisioned")
        raise TemplateError(f"unknown reference {logical_id}")

    def _intrinsic(self, key: str, argument: Any) -> Any:
        if key == "Ref":
            return self.ref(str(argument))
        if key == "Condition":
            return self.condition(str(argument))
        handler = _INTRINSICS.get(key)
        if handler is None:
            raise TemplateError(f"{key} is not supported locally")
        return handler(self, argument)

    def _get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        logical_id, attribute = (self.resolve(part) for part in argument)
        return self.get_att(str(logical_id), str(attribute))

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            text, variables = argument[0], self.resolve(argument[1])
        else:
            text, variables = argument, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and name not in self.parameters:
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, str(text))

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(name) else when_false)

    def _find_in_map(self, argument: Any) -> Any:
        map_name, top, second = (str(self.resolve(part)) for part in argument[:3])
        try:
            return self.mappings[map_name][top][second]
        except KeyError as exc:
            raise TemplateError(f"Fn::FindInMap {map_name}/{top}/{second}: not found") from exc


def _typed_parameter(name: str, spec: Mapping[str, Any], raw: Any) -> Any:
    kind = str(spec.get("Type", "String"))
    text = str(raw)
    allowed = spec.get("AllowedValues")
    if allowed is not None and text not in [str(value) for value in allowed]:
        raise TemplateError(f"parameter {name}={text!r} is not one of {allowed}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and kind == "String" and not re.fullmatch(str(pattern), text):
        raise TemplateError(f"parameter {name}={text!r} does not match {pattern}")
    if kind == "CommaDelimitedList" or kind.startswith("List<"):
        return [item.strip() for item in text.split(",")] if text else []
    return text


def _referenced_names(value: Any) -> Iterator[str]:
    """Names that `value` refers to through Ref, Fn::GetAtt or Fn::Sub."""
    if isinstance(value, list):
        for item in value:
            yield from _referenced_names(item)
        return
    if not isinstance(value, Mapping):
        return
    for key, argument in value.items():
        if key == "Ref" and isinstance(argument, str):
            yield argument
        elif key == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else argument
            if parts and isinstance(parts[0], str):
                yield parts[0]
        elif key == "Fn::Sub":
            text, variables = (
                (argument[0], argument[1])
                if isinstance(argument, list)
                else (
                    argument,
                    {},
                )
            )
            for name in _SUB_VARIABLE.findall(str(text)):
                if not name.startswith("!") and name not in variables:
                    yield name.split(".", 1)[0]
            yield from _referenced_names(variables)
        else:
            yield from _referenced_names(argument)


def _equals(template: Template, argument: Any) -> bool:
    left, right = (template.resolve(part) for part in argument)
    return bool(left == right)


def _join(template: Template, argument: Any) -> str:
    delimiter, items = argument
    return str(delimiter).join(str(item) for item in template.resolve(items))


def _select(template: Template, argument: Any) -> Any:
    index, items = template.resolve(argument[0]), template.resolve(argument[1])
    return items[int(index)]


def _split(template: Template, argument: Any) -> list[str]:
    delimiter, text = argument[0], template.resolve(argument[1])
    return str(text).split(str(delimiter))


def _get_azs(template: Template, argument: Any) -> list[str]:
    region = template.resolve(argument) or template.region
    return [f"{region}{zone}" for zone in "abc"]


def _unsupported(name: str) -> Callable[[Template, Any], Any]:
    def fail(_template: Template, _argument: Any) -> Any:
        raise TemplateError(f"Fn::{name} is not supported locally")

    return fail


_INTRINSICS: dict[str, Callable[[Template, Any], Any]] = {
    "Fn::GetAtt": lambda template, argument: template._get_att(argument),
    "Fn::Sub": lambda template, argument: template._sub(argument),
    "Fn::If": lambda template, argument: template._if(argument),
    "Fn::FindInMap": lambda template, argument: template._find_in_map(argument),
    "Fn::Not": lambda template, argument: not template.resolve(argument[0]),
    "Fn::And": lambda template, argument: all(template.resolve(item) for item in argument),
    "Fn::Or": lambda template, argument: any(template.resolve(item) for item in argument),
    "Fn::Equals": _equals,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::GetAZs": _get_azs,
    "Fn::Base64": lambda template, argument: base64.b64encode(
        str(template.resolve(argument)).encode()
    ).decode(),
    "Fn::Length": lambda template, argument: len(template.resolve(argument)),
    "Fn::ToJsonString": lambda template, argument: json.dumps(
        template.resolve(argument), separators=(",", ":")
    ),
    "Fn::ImportValue": _unsupported("ImportValue"),
    "Fn::Cidr": _unsupported("Cidr"),
    "Fn::Transform": _unsupported("Transform"),
}
