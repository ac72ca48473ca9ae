"""Read a YAML file while remembering where every value came from.

Operators edit the unit file by hand; a validation error is only useful if it names the line.
PyYAML's node tree keeps line numbers, so we compose nodes once and look paths up in them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class UnitLoader(yaml.SafeLoader):
    """YAML 1.1 reads an unquoted 22:00 as the base-60 number 1320, which a time field would then
    take as 00:22 without a word: here digits with colons stay text, so `start: 22:00` means 22:00
    (times are what the unit file writes with colons). Other numbers read as before."""


_PLAIN_NUMBERS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
UnitLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _PLAIN_NUMBERS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
UnitLoader.add_implicit_resolver(  # PyYAML's own patterns without their base-60 alternatives
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
UnitLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


class YamlDocument:
    """The parsed data of one file plus its node tree, for `line_of(loc)`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = path.read_text(encoding="utf-8")
        self.root = yaml.compose(text, Loader=UnitLoader)
        self.data: Any = yaml.load(text, Loader=UnitLoader)  # a SafeLoader: see UnitLoader

    def line_of(self, loc: Loc) -> int:
        """Line (1-based) of the deepest node on `loc`; a missing key points at its parent."""
        node = self.root
        if node is None:
            return 1
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1

    def cycle_line(self) -> int:
        """Line (1-based) of a node that contains itself (`x: &a [*a]`, which safe_load accepts and
        nothing can expand); 1 when there is none."""
        path: set[int] = set()

        def walk(node: yaml.Node) -> int | None:
            if id(node) in path:
                return node.start_mark.line + 1
            if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
                return None
            path.add(id(node))
            children = [v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode) else node.value
            found = next((line for child in children if (line := walk(child)) is not None), None)
            path.discard(id(node))
            return found

        return (walk(self.root) if self.root is not None else None) or 1


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if key.value == part:
                return value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def expand_env(data: Any, env: Mapping[str, str], loc: Loc = ()) -> tuple[Any, list[tuple[Loc, str]]]:
    """Replace `${NAME}` in every string; report each reference to an unset variable by its path."""
    problems: list[tuple[Loc, str]] = []
    if isinstance(data, dict):
        result = {}
        for key, value in data.items():
            result[key], found = expand_env(value, env, (*loc, key))
            problems += found
        return result, problems
    if isinstance(data, list):
        items = []
        for index, value in enumerate(data):
            item, found = expand_env(value, env, (*loc, index))
            items.append(item)
            problems += found
        return items, problems
    if isinstance(data, str):
        for name in ENV_REFERENCE.findall(data):
            if name not in env:
                problems.append((loc, f"refers to ${{{name}}}, which is not set in the environment or .env"))
        return ENV_REFERENCE.sub(lambda m: env.get(m.group(1), ""), data), problems
    return data, problems


def raw_value(data: Any, loc: Loc) -> Any:
    """The value at `loc` in unexpanded data, or None."""
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
