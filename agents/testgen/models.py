"""Plain data passed between the stages of test generation."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Arc = tuple[int, int]


class FunctionTarget(BaseModel):
    """A public function or method holding lines or branches the suite does not reach."""

    qualname: str  # "func" or "Class.method"
    class_name: str | None = None
    name: str
    params: list[Param] = Field(default_factory=list)
    init_params: list[Param] = Field(default_factory=list)  # of the class, for methods
    start_line: int
    end_line: int
    is_static: bool = False
    is_async: bool = False
    # A property is read (``obj.size``), its setter assigned (``setattr(obj, 'size', 3)``);
    # a setter's qualname ends in "=" (``Box.size=``) beside its getter's.
    access: Literal["call", "get", "set"] = "call"
    returns: str = ""  # source text of the return annotation, "" when none
    literals: list[str] = Field(default_factory=list)  # expressions seen in the body
    examples: list[list[str]] = Field(default_factory=list)  # arguments of its doctest calls
    checks_types: bool = False  # it raises TypeError itself: a wrong type is worth a try


class Param(BaseModel):
    name: str
    annotation: str = ""  # source text of the hint, "" when none
    default: str | None = None  # source text of the default
    kind: Literal["positional", "keyword", "var_positional", "var_keyword"] = "positional"
    called: bool = False  # the function calls it: a callable is wanted
    # Types the function's isinstance checks name for it: values of each are wanted.
    checked_as: list[str] = Field(default_factory=list)


class ModuleTargets(BaseModel):
    """What one source file still needs: its missing lines and branches, and where they live."""

    path: str  # relative to the project root, posix
    module: str  # dotted import name
    import_root: str  # directory (relative to root, "" for the root) to put on sys.path
    statements: list[int]
    covered_lines: list[int]
    missing_lines: list[int]  # the target lines (after --diff-base filtering)
    branches: list[Arc] = Field(default_factory=list)  # every branch arc of the file
    covered_branches: list[Arc] = Field(default_factory=list)
    missing_branches: list[Arc] = Field(default_factory=list)  # target arcs
    functions: list[FunctionTarget] = Field(default_factory=list)
    classes: dict[str, list[Param]] = Field(default_factory=dict)  # constructible classes
    # The project's classes it imports from its other modules: local name -> (module, name).
    imported: dict[str, tuple[str, str]] = Field(default_factory=dict)
    # Standard-library classes it imports that the search knows values of: local name -> them.
    library: dict[str, list[str]] = Field(default_factory=dict)
    # Type aliases (``String = Union[str, bytes]``), the module's and those it imports.
    aliases: dict[str, str] = Field(default_factory=dict)


class Candidate(BaseModel):
    """One call to try: an optional construction, then the call, as source expressions."""

    function: str  # FunctionTarget.qualname
    static: bool = False  # a static method: called on the class, nothing constructed
    access: Literal["call", "get", "set"] = "call"  # FunctionTarget.access
    init_args: list[str] = Field(default_factory=list)
    args: list[str] = Field(default_factory=list)
    values: list[str] = Field(default_factory=list)  # every parameter's value, for mutation
    # Calls on the object between its construction and the call: ``push(3)`` for ``obj.push(3)``.
    setup: list[str] = Field(default_factory=list)

    def key(self) -> str:
        steps = "".join(f".{s}" for s in self.setup)
        return f"{self.function}({'|'.join(self.init_args)}){steps}({'|'.join(self.args)})"

    def size(self) -> int:
        return sum(map(len, self.init_args)) + sum(map(len, self.args)) + sum(map(len, self.setup))


Outcome = Literal["returned", "raised", "crashed", "timeout", "refused"]


class Execution(BaseModel):
    """What running one candidate in the sandbox did."""

    outcome: Outcome
    lines: list[int] = Field(default_factory=list)
    arcs: list[Arc] = Field(default_factory=list)
    value: str | None = None  # repr of the return value when it is stable, else None
    exception: str | None = None  # importable name of the exception type raised
    in_receiver: bool = False  # raised while building the object the method is called on
    checked: bool = False  # raised by the module's own raise or assert (it checks its input)
    consumed: bool = False  # the call returned a generator, which was run into a list
    message: str = ""
    # What a test can assert when the value has no stable repr, or when a method changed its
    # object: (expression over ``result`` or ``obj``, the stable repr of its value).
    observations: list[tuple[str, str]] = Field(default_factory=list)


class Found(BaseModel):
    """A candidate worth a test: what it covers that the suite did not."""

    candidate: Candidate
    execution: Execution
    new_lines: list[int]
    new_arcs: list[Arc]
    another_result: bool = False  # kept beyond the coverage set for a result of its own


class GeneratedTest(BaseModel):
    name: str
    source: str  # the test function's text
    new_lines: list[int] = Field(default_factory=list)
    new_arcs: list[Arc] = Field(default_factory=list)


Verdict = Literal[
    "kept",
    "does not import",
    "fails",
    "flaky",
    "no new coverage",
    "touches network or files",
    "timeout",
    "no assertion",
]


class TestVerdict(BaseModel):
    __test__ = False  # not a pytest test class

    name: str
    verdict: Verdict
    detail: str = ""


class ModuleReport(BaseModel):
    """The final table's row for one module."""

    path: str
    lines_total: int
    branches_total: int
    lines_before: int
    branches_before: int
    lines_after: int
    branches_after: int
    verdicts: list[TestVerdict] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)  # test files written, relative to the root
    candidates_run: int = 0
    search_stop: str = ""  # why the offline search ended ("every goal covered", ...)
    restarts: int = 0

    def kept(self) -> int:
        return sum(v.verdict == "kept" for v in self.verdicts)

    def dropped(self) -> int:
        return len(self.verdicts) - self.kept()


class GenerationReport(BaseModel):
    modules: list[ModuleReport] = Field(default_factory=list)
    messages: list[str] = Field(default_factory=list)
    seconds: float = 0.0

    def line_percent(self, after: bool = True) -> float:
        total = sum(m.lines_total for m in self.modules)
        covered = sum(m.lines_after if after else m.lines_before for m in self.modules)
        return 100.0 * covered / total if total else 100.0


FunctionTarget.model_rebuild()
