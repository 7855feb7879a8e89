"""Static hygiene check of a reward program (AST allow-list), run before any process starts.

This is *hygiene*, not security: it rejects the obvious mistakes and the obvious attacks early,
with a message the designer LLM can act on (every issue names the line and the rule). Python's
object graph is too rich for an AST check to close every path to ``os`` (``np.<module>.<module>``
chains, for one), so the actual security is the OS isolation of the worker
(``rewardsmith.sandbox.isolation``, ``sandbox/README.md``); the hostile corpus runs every program
with this check skipped too. Nothing here imports or runs the source.

Attribute names are checked wherever they appear, whatever object they hang from (``np.x``,
``numpy.x``, ``from numpy import x``, ``a.b.x``, an alias of any of those), because the check
cannot know what an expression evaluates to. The same holds for the places Python reads an
attribute by a name that is not an ``Attribute`` node: ``match`` class patterns
(``case object(__class__=c)``) and format fields (``"{0.__class__}"``). Star imports are rejected
because they bring names in without naming them (``from numpy import *`` binds ``load``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from rewardsmith.ast_parse import parse
from rewardsmith.errors import RewardsmithError

MAX_BYTES = 64_000
MAX_LINES = 1_500
MAX_NODES = 20_000

ALLOWED_MODULES = {"numpy": "np", "math": None}
# ``"{0.__class__}".format(x)`` reads attributes without an Attribute node.
_FORMAT_FIELD_DUNDER = re.compile(r"\{[^{}]*__[^{}]*\}")
REQUIRED_ARGS = ("state", "action", "next_state")

# Builtins that read files, run code, or reach into namespaces by computed names.
FORBIDDEN_NAMES = frozenset({
    "open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "getattr",
    "setattr", "delattr", "breakpoint", "input", "help", "exit", "quit", "memoryview",
})
# Builtins rejected as names but not as attributes (``x.dtype.type`` is an ordinary attribute):
# ``type(name, bases, namespace)`` builds a class whose attribute names are computed strings, so
# it can plant numpy's ``__array_interface__`` (an array over any memory address) or ``__array__``
# without ever naming them, and ``type(x)`` of any class *is* ``type``.
NAME_ONLY = frozenset({"type"})

# Attribute names that lead to file I/O, foreign-function access, interpreter internals or
# other modules (``np.lib``, ``arr.ctypes``, ``np.load``, ``x.gi_frame.f_back.f_globals``, ...).
FORBIDDEN_ATTRIBUTES = FORBIDDEN_NAMES | frozenset({
    # numpy file I/O, pickle and FFI (``FORBIDDEN_ATTRIBUTE_PATTERN`` catches their relatives)
    "ctypes", "ctypeslib", "tofile", "fromfile", "fromregex", "dump", "dumps", "load", "loads",
    "save", "savez", "savez_compressed", "savetxt", "loadtxt", "genfromtxt", "memmap",
    "open_memmap", "DataSource", "lib", "f2py", "distutils", "testing", "test", "core", "compat",
    "npyio", "read_array", "write_array", "runstring", "mrecords", "tempdir", "temppath",
    "as_strided", "stride_tricks",
    # a metaclass builds classes with computed attribute names, like ``type`` (see NAME_ONLY)
    "abc", "ABCMeta",
    # modules that a numpy submodule happens to import
    "os", "sys", "subprocess", "builtins", "bltns", "importlib", "inspect", "modules", "system",
    "gc", "socket", "shutil", "posix", "pathlib", "io", "signal", "threading", "multiprocessing",
    "pickle", "marshal", "warnings", "weakref", "types", "operator", "functools", "re",
    # frame, generator and code objects (the classic sandbox escapes)
    "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame",
    "ag_code", "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "tb_frame",
    "tb_next", "co_code", "co_consts", "co_names", "func_globals", "mro",
})
# Whole families, whatever module they live in: ``load*``/``save*``/``dump*`` (``np.load``,
# ``np.ma.loads``, ``np.savez``, ``ndarray.dumps``), ``*file*`` (``fromfile``, ``tofile``,
# ``np.ma.mrecords.fromtextfile``, ``NpzFile``), pickle and ctypes helpers, memory maps.
FORBIDDEN_ATTRIBUTE_PATTERN = re.compile(r"^(load|save|dump)|file|pickle|memmap|ctypes",
                                         re.IGNORECASE)


@dataclass(frozen=True)
class StaticIssue:
    """One rejected construct.

    Attributes:
        line: 1-based line in the reward program (0 when it concerns the whole file).
        rule: short rule id (``import``, ``dunder``, ``forbidden-name``, ...).
        message: what is wrong and how to fix it, written for the designer LLM.
    """

    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where} [{self.rule}]: {self.message}"


class RewardCheckError(RewardsmithError):
    """The reward program failed the static check; ``issues`` lists every problem found."""

    def __init__(self, issues: list[StaticIssue], origin: str = "reward.py"):
        self.issues = list(issues)
        lines = "\n".join(f"- {issue}" for issue in self.issues)
        super().__init__(
            f"{origin} failed the static check ({len(self.issues)} problem"
            f"{'s' if len(self.issues) != 1 else ''}); a reward program may import only "
            f"numpy (as np) and math and must define compute_reward(state, action, next_state):"
            f"\n{lines}"
        )


def check_source(source: str, entry: str = "compute_reward") -> list[StaticIssue]:
    """Check a reward program's source against the allow-list.

    Args:
        source: the text of the reward module.
        entry: the function it must define: ``compute_reward``, or ``compute_fitness`` for a
            fitness program (the same allow-list holds: it is untrusted code too).

    Returns:
        Every issue found, in line order (empty when the program passes).
    """
    size_issues = _check_size(source)
    if size_issues:
        return size_issues
    too_deep = [StaticIssue(0, "size", "the program is nested too deeply to check; split long "
                            "expressions into several statements")]
    try:
        tree = parse(source, filename="reward.py")
    except SyntaxError as e:
        return [StaticIssue(e.lineno or 0, "syntax", f"syntax error: {e.msg}; the program must "
                            f"be valid Python 3.11")]
    except (RecursionError, MemoryError):
        return too_deep
    n_nodes = sum(1 for _ in ast.walk(tree))
    if n_nodes > MAX_NODES:
        return [StaticIssue(0, "size", f"the program has {n_nodes} syntax nodes; at most "
                            f"{MAX_NODES} are allowed: write a shorter reward")]
    visitor = _Visitor()
    try:
        visitor.visit(tree)
    except RecursionError:
        return too_deep
    issues = visitor.issues + _check_signature(tree, entry)
    return sorted(issues, key=lambda issue: (issue.line, issue.rule))


def ensure_source_passes(source: str, origin: str = "reward.py") -> None:
    """Raise :class:`RewardCheckError` listing every issue when ``source`` fails the check."""
    issues = check_source(source)
    if issues:
        raise RewardCheckError(issues, origin)


def _check_size(source: str) -> list[StaticIssue]:
    n_bytes = len(source.encode("utf-8", "surrogatepass"))
    if n_bytes > MAX_BYTES:
        return [StaticIssue(0, "size", f"the program is {n_bytes} bytes; at most {MAX_BYTES} "
                            f"are allowed: write a shorter reward")]
    n_lines = source.count("\n") + 1
    if n_lines > MAX_LINES:
        return [StaticIssue(0, "size", f"the program has {n_lines} lines; at most {MAX_LINES} "
                            f"are allowed: write a shorter reward")]
    if "\x00" in source:
        return [StaticIssue(0, "syntax", "the program contains a NUL byte; send plain text")]
    return []


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


class _Visitor(ast.NodeVisitor):
    """Collects issues from imports, names and attribute accesses."""

    def __init__(self) -> None:
        self.issues: list[StaticIssue] = []

    def _add(self, node: ast.AST, rule: str, message: str) -> None:
        self.issues.append(StaticIssue(getattr(node, "lineno", 0), rule, message))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name not in ALLOWED_MODULES:
                self._add(node, "import", f"`import {alias.name}` is not allowed; only "
                          f"`import numpy as np` and `import math` are")
            elif alias.name == "numpy" and alias.asname not in (None, "np"):
                self._add(node, "import", f"import numpy as np, not as {alias.asname}")
            self._check_bound_name(node, alias.asname)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or module not in ALLOWED_MODULES:
            self._add(node, "import", f"`from {'.' * node.level}{module} import ...` is not "
                      f"allowed; only `import numpy as np` and `import math` (or `from math "
                      f"import ...`, `from numpy import ...`) are")
            return
        for alias in node.names:
            if alias.name == "*":
                self._add(node, "import", f"`from {module} import *` is not allowed: a star "
                          f"import binds names without naming them (numpy's brings in `load`, "
                          f"`fromfile`, `memmap`, `ctypeslib` and `testing`); write "
                          f"`import numpy as np` and use `np.<name>`, or import the names you "
                          f"need one by one")
                continue
            self._check_attribute_name(node, alias.name, f"from {module} import {alias.name}")
            self._check_bound_name(node, alias.asname)

    def visit_Name(self, node: ast.Name) -> None:
        if _is_dunder(node.id):
            self._add(node, "dunder", f"the name `{node.id}` is not allowed: dunder names "
                      f"reach interpreter internals; remove it (no `if __name__ == ...` block)")
        elif node.id in NAME_ONLY:
            self._add(node, "forbidden-name", f"`{node.id}` is not allowed in a reward "
                      f"program: `type(name, bases, namespace)` builds classes with computed "
                      f"attribute names; test types with `isinstance(x, ...)` instead")
        elif node.id in FORBIDDEN_NAMES:
            self._add(node, "forbidden-name", f"`{node.id}` is not allowed in a reward "
                      f"program: compute the reward from `state`, `action` and `next_state` "
                      f"with numpy and math only")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str):
            return
        if _FORMAT_FIELD_DUNDER.search(node.value):
            self._add(node, "dunder", "format strings may not name dunder attributes "
                      "(`{x.__...}`); format plain values only")
        elif _is_dunder(node.value) and node.value.isidentifier():
            self._add(node, "dunder", f"the string {node.value!r} names a dunder attribute "
                      f"(`{{{node.value!r}: ...}}` can plant one in a class); name your "
                      f"components and keys without leading and trailing double underscores")

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        # ``case C(attr=p)`` reads ``subject.attr``: an attribute access with no Attribute node.
        cls = ast.unparse(node.cls)
        for attr in node.kwd_attrs:
            self._check_attribute_name(node, attr, f"case {cls}({attr}=...)")
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.MatchAs) -> None:
        self._check_bound_name(node, node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node: ast.MatchStar) -> None:
        self._check_bound_name(node, node.name)

    def visit_MatchMapping(self, node: ast.MatchMapping) -> None:
        self._check_bound_name(node, node.rest)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self._check_bound_name(node, node.name)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            self._check_bound_name(node, name)

    visit_Nonlocal = visit_Global

    def visit_keyword(self, node: ast.keyword) -> None:
        self._check_bound_name(node, node.arg)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check_attribute_name(node, node.attr, f".{node.attr}")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check_definition_name(node, node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._check_definition_name(node, node.name)
        if node.keywords:
            self._add(node, "forbidden-name", f"class `{node.name}` may not take keyword "
                      f"arguments (`metaclass=...`): a metaclass builds classes with computed "
                      f"attribute names; use a plain class or plain functions")
        self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        if _is_dunder(node.arg):
            self._add(node, "dunder", f"the argument name `{node.arg}` is not allowed")

    def _check_definition_name(self, node: ast.AST, name: str) -> None:
        if _is_dunder(name):
            self._add(node, "dunder", f"defining `{name}` is not allowed: dunder methods "
                      f"reach interpreter internals; use a plain function")

    def _check_bound_name(self, node: ast.AST, name: str | None) -> None:
        """Names bound or passed without a Name node (``as x``, ``global x``, ``f(x=...)``)."""
        if name is not None and _is_dunder(name):
            self._add(node, "dunder", f"the name `{name}` is not allowed: dunder names reach "
                      f"interpreter internals; use a plain name")

    def _check_attribute_name(self, node: ast.AST, attr: str, shown: str) -> None:
        if _is_dunder(attr):
            self._add(node, "dunder", f"`{shown}` is not allowed: dunder attributes reach "
                      f"interpreter internals; use numpy and math on the state's arrays")
        elif attr.startswith("_"):
            self._add(node, "private-attribute", f"`{shown}` is not allowed: private "
                      f"attributes are not part of the state or numpy API; use public names")
        elif attr in FORBIDDEN_ATTRIBUTES or FORBIDDEN_ATTRIBUTE_PATTERN.search(attr):
            self._add(node, "forbidden-attribute", f"`{shown}` is not allowed in a reward "
                      f"program (file access, foreign code, or interpreter internals); use "
                      f"numpy math on the state's arrays instead")


def _check_signature(tree: ast.Module, entry: str = "compute_reward") -> list[StaticIssue]:
    """``entry(state, action, next_state)`` must be a plain top-level function."""
    returns = "(total, components)" if entry == "compute_reward" else "a (B,) array"
    defs = [node for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == entry]
    if not defs:
        return [StaticIssue(0, "signature", f"no top-level `def {entry}(state, action, "
                            f"next_state):` found; define it, returning {returns}")]
    fn = defs[-1]
    if isinstance(fn, ast.AsyncFunctionDef):
        return [StaticIssue(fn.lineno, "signature", f"{entry} must be a plain `def`, "
                            "not `async def`")]
    args = fn.args
    names = tuple(a.arg for a in args.posonlyargs + args.args)
    extras = args.vararg or args.kwarg or args.kwonlyargs
    if names != REQUIRED_ARGS or extras or args.defaults:
        got = ast.unparse(args)
        return [StaticIssue(fn.lineno, "signature", f"{entry} takes ({got}); expected "
                            f"exactly (state, action, next_state) with no defaults, *args or "
                            f"**kwargs")]
    return []
