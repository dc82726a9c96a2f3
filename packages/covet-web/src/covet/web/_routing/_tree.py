"""The route matcher: a dict for static paths, a segment tree for the rest.

Built once at start-up. A request path is looked up in the static dict first (one hash);
otherwise it is split on ``/`` and walked down the tree, literal children before
parameter children, backtracking when a branch dead-ends. The cost depends on the depth of
the path, not on the number of routes, so a 404 in a 200-route app costs what it costs in
a 2-route app.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigurationError
from ._template import ParamSegment, PathTemplate, PatternSegment, RestSegment

__all__ = ["Leaf", "Matcher"]


class Leaf:
    """One path template's handlers, by method."""

    __slots__ = ("handlers", "template")

    def __init__(self, template: PathTemplate) -> None:
        self.template = template
        self.handlers: dict[str, Any] = {}


class _Node:
    __slots__ = ("dynamic", "leaf", "params", "patterns", "rest", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.params: list[tuple[ParamSegment, Any, _Node]] = []
        self.patterns: list[tuple[PatternSegment, _Node]] = []
        self.rest: list[tuple[RestSegment, Any, Leaf]] = []
        self.leaf: Leaf | None = None
        self.dynamic = False
        """Whether the node has parameter, pattern or rest children (so may backtrack)."""


def _converter_call(to_python: Any) -> Any:
    # str needs no conversion: skip the call on the hot path.
    return None if to_python is str else to_python


def _find(
    node: _Node, segs: list[str], i: int, method: str, seen: list[Leaf]
) -> tuple[Leaf, dict[str, Any]] | None:
    """The first leaf matching the path with ``method``; leaves that match the path but
    lack the method are appended to ``seen`` (for 405)."""
    end = len(segs)
    # Through nodes with only literal children, walk without recursing: there is nothing
    # to backtrack to, and a segment with no literal child is a miss at once.
    while True:
        if i == end:
            leaf = node.leaf
            if leaf is not None:
                if method in leaf.handlers:
                    return leaf, {}
                seen.append(leaf)
            return None
        seg = segs[i]
        child = node.static.get(seg)
        if node.dynamic:
            break
        if child is None:
            return None
        node = child
        i += 1
    if child is not None:
        found = _find(child, segs, i + 1, method, seen)
        if found is not None:
            return found
    for param, convert, child in node.params:
        if param.fullmatch(seg) is not None:
            if convert is None:
                value: Any = seg
            else:
                try:
                    value = convert(seg)
                except ValueError:
                    continue
            found = _find(child, segs, i + 1, method, seen)
            if found is not None:
                found[1][param.name] = value
                return found
    for pattern, child in node.patterns:
        match = pattern.fullmatch(seg)
        if match is not None:
            try:
                values = {
                    name: converter.to_python(match.group(name))
                    for name, converter in zip(pattern.names, pattern.converters, strict=True)
                }
            except ValueError:
                continue
            found = _find(child, segs, i + 1, method, seen)
            if found is not None:
                found[1].update(values)
                return found
    if node.rest:
        text = "/".join(segs[i:])
        for rest, convert, leaf in node.rest:
            if rest.fullmatch(text) is not None:
                try:
                    value = text if convert is None else convert(text)
                except ValueError:
                    continue
                if method in leaf.handlers:
                    return leaf, {rest.name: value}
                seen.append(leaf)
    return None


class Matcher:
    """Maps ``(path, method)`` to a handler and the converted path parameters."""

    __slots__ = ("_leaves", "_root", "slash_sensitive", "static")

    def __init__(self) -> None:
        self.static: dict[str, Leaf] = {}
        self._root = _Node()
        self._leaves: dict[tuple[Any, ...], Leaf] = {}
        self.slash_sensitive = False
        """Whether some path could match only with a trailing slash added."""

    def add(self, template: PathTemplate, method: str, handler: Any) -> Leaf:
        """Register ``handler`` for ``method`` on ``template``."""
        key = tuple(s if isinstance(s, str) else s.key for s in template.segments)
        leaf = self._leaves.get(key)
        if leaf is None:
            leaf = self._leaves[key] = Leaf(template)
            self._insert(template, leaf)
            if template.is_static:
                self.static[template.path] = leaf
            last = template.segments[-1]
            if last == "" or isinstance(last, RestSegment):
                self.slash_sensitive = True
        if method in leaf.handlers:
            raise ConfigurationError(
                f"two routes for {method} {template.path}: each method and path needs one handler"
            )
        leaf.handlers[method] = handler
        return leaf

    def _insert(self, template: PathTemplate, leaf: Leaf) -> None:
        node = self._root
        for segment in template.segments:
            if isinstance(segment, str):
                node = node.static.setdefault(segment, _Node())
                continue
            node.dynamic = True
            if isinstance(segment, ParamSegment):
                node = self._child(node.params, segment, convert=True)
            elif isinstance(segment, PatternSegment):
                node = self._child(node.patterns, segment, convert=False)
            else:
                node.rest.append((segment, _converter_call(segment.to_python), leaf))
                return
        node.leaf = leaf

    @staticmethod
    def _child(children: list[Any], segment: Any, *, convert: bool) -> _Node:
        for existing in children:
            if existing[0].key == segment.key:
                node: _Node = existing[-1]
                return node
        node = _Node()
        if convert:
            children.append((segment, _converter_call(segment.to_python), node))
        else:
            children.append((segment, node))
        return node

    def match(
        self, path: str, method: str, seen: list[Leaf] | None = None
    ) -> tuple[Leaf, dict[str, Any]] | None:
        """The leaf that has ``method`` for ``path``, and the path parameters.

        When none does, ``seen`` receives the leaves whose path matched (their methods
        make the 405's Allow header).
        """
        segs = path.split("/")
        if segs[0]:
            return None  # not an absolute path: no route can match it
        return _find(self._root, segs, 1, method, [] if seen is None else seen)

    def leaves(self) -> list[Leaf]:
        """Every registered leaf."""
        return list(self._leaves.values())
