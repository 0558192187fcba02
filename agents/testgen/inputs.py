"""Where the search's argument values come from: type hints, defaults, literals, carving.

Every value is a source expression (``3``, ``'abc'``, ``Cart(2)``) so that what the worker
evaluates is exactly what the generated test will say.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Sequence

from aiap.testgen.models import Candidate, FunctionTarget, ModuleTargets, Param

_TYPICAL: dict[str, list[str]] = {
    "int": ["0", "1", "-1", "2", "3", "10", "100", "-7", "1000"],
    "float": ["0.0", "1.0", "-1.0", "0.5", "2.5", "100.0", "-3.75"],
    "complex": ["0j", "(1+2j)"],
    "str": ["''", "'a'", "'abc'", "'Hello World'", "' '", "'0'", "'1.5'", "'a,b;c'", "'x\\ny'"],
    "bytes": ["b''", "b'abc'", "b'\\x00\\xff'"],
    "bool": ["True", "False"],
    "None": ["None"],
    "NoneType": ["None"],
}
# A few values of other types, for a function that raises TypeError on one itself.
_OFF_TYPE = ["None", "'a'", "1.5", "True", "[]"]
# Protocols and old spellings that stand for a plain type.
_PROTOCOLS = {
    "SupportsInt": "int", "SupportsIndex": "int", "SupportsFloat": "float", "Text": "str",
    "AnyStr": "str", "SupportsAbs": "int", "SupportsRound": "float", "ByteString": "bytes",
}  # fmt: skip
_GENERIC = ["0", "1", "'a'", "''", "None", "[]", "[1, 2, 3]", "2.5", "True", "{'a': 1}", "-1"]
_SEQUENCES = {"list", "List", "Sequence", "Iterable", "Collection", "MutableSequence", "Iterator"}
_MAPPINGS = {"dict", "Dict", "Mapping", "MutableMapping", "defaultdict", "OrderedDict"}
_SETS = {"set", "Set", "frozenset", "FrozenSet", "AbstractSet", "MutableSet"}
_CALLABLES = ["str", "len", "abs", "bool", "sorted", "sum", "max", "list", "dict"]
# For a parameter the function calls: simple lambdas of the usual arities first.
_LAMBDAS = [
    "lambda x: x", "lambda x: x * 2", "lambda x: not x", "lambda x, y: x + y",
    "lambda *args: True", "lambda *args: False", "lambda *args: None",
]  # fmt: skip
_STRING_CHARS = "aZ0 ,.-:[]()*|@'\"=<>!?{}&$%/"
_MAX_SETUP = 4  # steps before the call, at most
_MAX_BUILT = 40  # recipes remembered per class
# An unhinted parameter's default of one of these types stands for a hint of it.
_INFERRED = {"int", "float", "str", "bytes", "bool", "list", "tuple", "dict", "set"}
# Untyped parameters that by their name take a collection of items, and some to take.
_ITERABLE_NAMES = {
    "iterable", "items", "values", "seq", "sequence", "elements", "data", "lst", "array",
    "collection", "members", "entries", "objs", "objects", "keys", "others",
}  # fmt: skip
_ITERABLES = ["[1, 2, 3]", "[3, 1, 2, 2]", "[]", "['b', 'a', 'c']", "[5, -1, 0, 8, 3, 3, 7]"]
# Untyped parameters that by their name take a function.
_CALLABLE_NAMES = {
    "func", "f", "fn", "function", "key", "pred", "predicate", "callback", "factory", "binop",
    "op", "transform", "mapper", "default_factory", "seqtype",
}  # fmt: skip


def _literal_type(text: str) -> str:
    try:
        return type(ast.literal_eval(text)).__name__
    except (ValueError, SyntaxError):
        return ""


class Seeder:
    """Seed pools per parameter of a module's functions; candidates drawn from them."""

    def __init__(
        self,
        targets: ModuleTargets,
        carved: dict[str, list[list[str]]] | None = None,
        seed: int = 0,
    ) -> None:
        self.targets = targets
        self.carved = {name: list(calls) for name, calls in (carved or {}).items()}
        for function in targets.functions:  # doctest calls: values the author chose
            self.carved.setdefault(function.qualname, []).extend(function.examples)
        self.seed = seed
        self.rng = random.Random(seed)
        self.width = 1  # how many arguments a mutation changes at most
        self._literals: list[str] = []
        self._expanding: set[str] = set()
        # class -> (constructor arguments, setup steps) of objects methods ran on
        self.built: dict[str, list[tuple[list[str], list[str]]]] = {}
        self._methods: dict[str, list[FunctionTarget]] = {}
        self._arg_pools: dict[str, list[list[str]]] = {}
        self._init_pools: dict[str, list[list[str]]] = {}

    def restart(self, n: int) -> None:
        """A new random stream for the ``n``th restart, and mutations that change more."""
        self.rng = random.Random(f"{self.seed}:{n}")
        self.width = 1 + n % 3

    # -- pools -----------------------------------------------------------------------------

    def pool(self, param: Param, literals: Sequence[str], depth: int = 0) -> list[str]:
        if depth == 0:
            self._literals = list(literals)  # also seeds for the items of containers
        values: list[str] = []
        if param.default is not None:
            values.append(param.default)
        for kind in param.checked_as:  # ``isinstance(other, timedelta)``: a timedelta, then
            if self._known(kind):
                values.extend(self._from_hint(kind, depth))
        if not param.annotation and _literal_type(param.default or "") in _INFERRED:
            # ``days=0``, ``sep=','``, ``strict=False``: the default's type is the hint.
            hint = _literal_type(param.default or "")
            param = param.model_copy(update={"annotation": hint})
        elif not param.annotation and param.name.lower() in _ITERABLE_NAMES:
            values.extend(_ITERABLES)
        hinted = self._from_hint(param.annotation, depth) if param.annotation else []
        kinds = {_literal_type(v) for v in hinted}
        values.extend(hinted)
        matching = [v for v in literals if not param.annotation or _literal_type(v) in kinds]
        values.extend(matching)
        if param.called and (not param.annotation or "Callable" in param.annotation):
            at = 1 if param.default is not None else 0  # after the default: the plainest call
            values[at:at] = [*_LAMBDAS, *_CALLABLES]
        elif not param.annotation and param.name.lower() in _CALLABLE_NAMES:
            values.extend(_CALLABLES)
        if not param.annotation:
            values.extend(_GENERIC)
            values.extend(self._classes(depth))
        return list(dict.fromkeys(values)) or list(_GENERIC)

    def _known(self, kind: str) -> bool:
        """Whether the pools know values of type ``kind`` (a name or a dotted one)."""
        name = _PROTOCOLS.get(kind.rpartition(".")[2], kind.rpartition(".")[2])
        return (
            name in _TYPICAL
            or name in self.targets.classes
            or name in self.targets.library
            or name in self.targets.aliases
            or name in _SEQUENCES | _MAPPINGS | _SETS | {"tuple", "Tuple"}
        )

    def _from_hint(self, annotation: str, depth: int) -> list[str]:
        try:
            node = ast.parse(annotation.strip("'\""), mode="eval").body
        except SyntaxError:
            return list(_GENERIC)
        return self._from_node(node, depth)

    def _from_node(self, node: ast.expr, depth: int) -> list[str]:
        if isinstance(node, ast.Constant) and node.value is None:
            return ["None"]
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self._from_hint(node.value, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._from_node(node.left, depth) + self._from_node(node.right, depth)
        if isinstance(node, ast.Attribute):
            return self._from_name(node.attr, depth)
        if isinstance(node, ast.Name):
            return self._from_name(node.id, depth)
        if isinstance(node, ast.Subscript):
            outer = node.value.attr if isinstance(node.value, ast.Attribute) else ""
            outer = node.value.id if isinstance(node.value, ast.Name) else outer
            args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
            return self._from_generic(outer, args, depth)
        return list(_GENERIC)

    def _from_name(self, name: str, depth: int) -> list[str]:
        name = _PROTOCOLS.get(name, name)
        if name in self.targets.aliases and name not in self._expanding:
            self._expanding.add(name)  # an alias naming itself, through others, ends here
            try:
                return self._from_hint(self.targets.aliases[name], depth)
            finally:
                self._expanding.discard(name)
        if name in _TYPICAL:
            typical = list(_TYPICAL[name])
            if depth:
                typical += [v for v in self._literals if _literal_type(v) == name][:6]
            return typical
        if name in self.targets.classes:
            return self._construct(name, depth) or ["None"]
        if name in self.targets.library:
            return list(self.targets.library[name])
        if name in _SEQUENCES:
            return ["[]", "[1, 2, 3]", "['a', 'b']", "[0]"]
        if name in _MAPPINGS:
            return ["{}", "{'a': 1}", "{'a': 1, 'b': 2}"]
        if name in _SETS:
            return ["set()", "{1, 2}"]
        if name in ("tuple", "Tuple"):
            return ["()", "(1, 2)"]
        if name == "Callable":
            return list(_CALLABLES)
        return list(_GENERIC)

    def _from_generic(self, outer: str, args: list[ast.expr], depth: int) -> list[str]:
        if outer == "Optional":
            return ["None", *self._from_node(args[0], depth)]
        if outer == "Union":
            return [v for a in args for v in self._from_node(a, depth)]
        if outer == "Literal":
            return [ast.unparse(a) for a in args]
        if outer == "Callable":
            return list(_CALLABLES)
        if outer in _SEQUENCES | _SETS | {"tuple", "Tuple"}:
            items = self._from_node(args[0], depth + 1) if args else ["1"]
            first, second = items[0], items[min(1, len(items) - 1)]
            third = items[min(2, len(items) - 1)]
            if outer in _SETS:
                return ["set()", f"{{{first}}}", f"{{{first}, {second}}}"]
            if outer in ("tuple", "Tuple"):
                if len(args) > 1 and not (isinstance(args[1], ast.Constant)):
                    pools = [self._from_node(a, depth + 1) for a in args]
                    return [
                        f"({', '.join(p[min(k + i, len(p) - 1)] for i, p in enumerate(pools))},)"
                        for k in range(4)
                    ]
                return ["()", f"({first},)", f"({first}, {second})"]
            many = ", ".join(items[:6])
            shuffled = f"[{third}, {second}, {first}]"
            tail = f"[{items[-1]}, {items[len(items) // 2]}]"  # the module's literals too
            return ["[]", f"[{first}]", f"[{first}, {second}]", shuffled, f"[{many}]", tail]
        if outer in _MAPPINGS:
            keys = self._from_node(args[0], depth + 1)[:3] if args else ["'a'"]
            values = self._from_node(args[1], depth + 1) if len(args) > 1 else ["1"]
            # Values from along the pool, the module's literals at its end among them.
            picks = list(dict.fromkeys(values[i] for i in (0, 1, len(values) // 2, -1, -2)))
            dicts = [f"{{{keys[i % len(keys)]}: {v}}}" for i, v in enumerate(picks)]
            return ["{}", *dicts, f"{{{keys[0]}: {picks[0]}, {keys[-1]}: {picks[-1]}}}"]
        return self._from_name(outer, depth)

    def _classes(self, depth: int) -> list[str]:
        built = [v for name in self.targets.classes for v in self._construct(name, depth)[:1]]
        return built + [values[0] for values in self.targets.library.values()]

    def _factories(self, name: str) -> list[tuple[str, FunctionTarget]]:
        """Other ways to build a ``name``: its class methods and the module's functions that
        say they return one (``Version.parse``, ``make_node``), as (callee, function)."""
        found = []
        for f in self.targets.functions:
            returns = f.returns.strip("'\"")
            if f.class_name == name and f.is_static and returns in (name, "Self", "typing.Self"):
                found.append((f"{name}.{f.name}", f))
            elif f.class_name is None and returns == name and not f.name.startswith("_"):
                found.append((f.name, f))
        return found

    def _construct(self, name: str, depth: int) -> list[str]:
        """A few ways to build an instance of one of the module's classes."""
        if depth >= 2:
            return []
        return self._by_init(name, depth) + [
            build
            for callee, f in self._factories(name)
            for build in self._by_call(callee, f, depth)
        ]

    def _by_call(self, callee: str, function: FunctionTarget, depth: int) -> list[str]:
        params = [p for p in function.params if p.kind == "positional" and p.default is None]
        pools = [self.pool(p, function.literals, depth + 1) for p in params]
        builds = [
            f"{callee}({', '.join(pool[min(k, len(pool) - 1)] for pool in pools)})"
            for k in range(3)
        ]
        return list(dict.fromkeys(builds))

    def _by_init(self, name: str, depth: int) -> list[str]:
        params = [p for p in self.targets.classes.get(name, []) if p.kind == "positional"]
        pools = [self.pool(p, [], depth + 1) for p in params]
        if any(not pool for pool in pools):
            return []
        builds = []
        for choice in range(3):
            args = [
                pool[min(choice, len(pool) - 1)]
                for param, pool in zip(params, pools, strict=True)
                if choice or param.default is None  # the plainest build keeps the defaults
            ]
            builds.append(f"{name}({', '.join(args)})")
        return list(dict.fromkeys(builds))

    # -- candidates ------------------------------------------------------------------------

    def init_pools(self, function: FunctionTarget) -> list[list[str]]:
        """Values per constructor argument of a method's object (the same on every draw)."""
        if function.class_name is None or function.is_static:
            return []
        if function.qualname not in self._init_pools:
            self._init_pools[function.qualname] = self._make_init_pools(function)
        return self._init_pools[function.qualname]

    def _make_init_pools(self, function: FunctionTarget) -> list[list[str]]:
        params = self.targets.classes.get(function.class_name or "", [])
        pools = [self.pool(p, function.literals) for p in params if p.kind == "positional"]
        if any(p.kind == "var_positional" for p in params):  # ``SortedDict(*args)``
            star = next(p for p in params if p.kind == "var_positional")
            pools.append(["", *self.pool(star, function.literals)])  # "": no argument
        return pools

    def arg_pools(self, function: FunctionTarget) -> list[list[str]]:
        """Values per argument of ``function`` (the same on every draw)."""
        if function.qualname not in self._arg_pools:
            self._arg_pools[function.qualname] = self._make_arg_pools(function)
        return self._arg_pools[function.qualname]

    def _make_arg_pools(self, function: FunctionTarget) -> list[list[str]]:
        pools = [self.pool(p, function.literals) for p in function.params]
        if function.checks_types:  # it checks its input itself: a value of another type, last
            for param, pool in zip(function.params, pools, strict=True):
                if param.annotation:
                    pool.extend(v for v in _OFF_TYPE if v not in pool)
        carved = self.carved.get(function.qualname, [])
        offset = 1 if function.class_name and not function.is_static else 0
        for call in carved:
            for i, value in enumerate(call[offset:]):
                if i < len(pools) and value and value not in pools[i]:
                    pools[i].insert(1, value)
        return pools

    def first(self, function: FunctionTarget) -> Candidate:
        """Defaults and the first typical values: the plainest call."""
        init = [p[0] for p in self.init_pools(function)]
        return self._build(function, init, [p[0] for p in self.arg_pools(function)], False)

    def carved_calls(self, function: FunctionTarget) -> list[Candidate]:
        offset = 1 if function.class_name and not function.is_static else 0
        init = [p[0] for p in self.init_pools(function)]
        calls = []
        for call in self.carved.get(function.qualname, []):
            values = call[offset:]
            if len(values) >= len(function.params) and all(values[: len(function.params)]):
                calls.append(self._build(function, init, values[: len(function.params)], True))
                continue
            # A shorter call (a doctest's, say) leaves the rest to their defaults.
            rest = function.params[len(values) :]
            if all(values) and all(
                p.default is not None or p.kind == "var_positional" for p in rest
            ):
                padded = [*values, *(p.default or "None" for p in rest)]
                calls.append(self._build(function, init, padded, False))
        return calls

    def random(self, function: FunctionTarget) -> Candidate:
        init = [self.rng.choice(p) for p in self.init_pools(function)]
        setup: list[str] = []
        built = self.built.get(function.class_name or "", []) if not function.is_static else []
        if built and self.rng.random() < 0.5:
            init, setup = self.rng.choice(built)  # an object some call built: its state too
            setup = list(setup)
        args = [self.rng.choice(p) for p in self.arg_pools(function)]
        candidate = self._build(function, init, args, all_args=self.rng.random() < 0.5)
        if self._steps(function) and self.rng.random() < 0.35:
            setup += [self._step(function) for _ in range(self.rng.randint(1, 2))]
        return candidate.model_copy(update={"setup": setup[:_MAX_SETUP]})

    def note_built(self, candidate: Candidate, function: FunctionTarget) -> None:
        """Remember how an object was built that a method then ran on, for other methods of
        its class: a list filled by one call's setup is worth calling the rest on."""
        if function.class_name is None or function.is_static or not candidate.init_args:
            return
        recipes = self.built.setdefault(function.class_name, [])
        recipe = (list(candidate.init_args), list(candidate.setup))
        if recipe not in recipes:
            recipes.append(recipe)
            del recipes[:-_MAX_BUILT]

    # -- method-call sequences: the object brought into a state before the call --------------

    def _steps(self, function: FunctionTarget) -> list[FunctionTarget]:
        """The methods that may be called on the object first: its class's public ones."""
        if function.class_name is None or function.is_static:
            return []
        if function.class_name not in self._methods:  # asked on every draw: found once
            self._methods[function.class_name] = [
                f
                for f in self.targets.functions
                if f.class_name == function.class_name
                and not f.name.startswith("_")
                and not f.is_static
                and not f.is_async
                and f.access == "call"
            ]
        return self._methods[function.class_name]

    def _step(self, function: FunctionTarget) -> str:
        method = self.rng.choice(self._steps(function))
        values = [self.rng.choice(p) for p in self.arg_pools(method)]
        call = self._build(method, [], values, all_args=False)
        return f"{method.name}({', '.join(call.args)})"

    def _mutate_setup(self, function: FunctionTarget, setup: list[str]) -> list[str]:
        setup = list(setup)
        choice = self.rng.random()
        if setup and choice < 0.3:
            del setup[self.rng.randrange(len(setup))]
        elif setup and choice < 0.6:
            setup[self.rng.randrange(len(setup))] = self._step(function)
        elif len(setup) < _MAX_SETUP:
            setup.insert(self.rng.randint(0, len(setup)), self._step(function))
        return setup

    def mutate(self, function: FunctionTarget, parent: Candidate) -> Candidate:
        if self._steps(function) and self.rng.random() < 0.25:
            setup = self._mutate_setup(function, parent.setup)
            return parent.model_copy(update={"setup": setup})
        init = list(parent.init_args)
        values = list(parent.values)
        pools = self.arg_pools(function)
        init_pools = self.init_pools(function)
        slots = [("arg", i) for i in range(min(len(pools), len(values)))]
        slots += [("init", i) for i in range(min(len(init), len(init_pools)))]
        if not slots:
            return self.random(function)
        changed = self.rng.sample(slots, min(len(slots), self.rng.randint(1, self.width)))
        for kind, i in changed:
            if kind == "init":
                init[i] = _perturb(self.rng, init[i], init_pools[i])
            else:
                values[i] = _perturb(self.rng, values[i], pools[i])
        mutated = self._build(function, init, values, all_args=True)
        return mutated.model_copy(update={"setup": list(parent.setup)})

    def _build(
        self, function: FunctionTarget, init: list[str], values: list[str], all_args: bool
    ) -> Candidate:
        """Render the call: defaulted values may be left out, the ones after them named."""
        args: list[str] = []
        keywords: list[str] = []
        named = False
        for param, value in zip(function.params, values, strict=False):
            if not all_args and param.default is not None and value == param.default:
                named = True
            elif param.kind == "keyword":
                keywords.append(f"{param.name}={value}")
            elif param.kind == "var_positional":
                if not named and all_args:  # one extra argument for *args, sometimes
                    args.append(value)
            else:
                args.append(f"{param.name}={value}" if named else value)
        args += keywords
        return Candidate(
            function=function.qualname,
            static=function.is_static,
            access=function.access,
            init_args=init,
            args=args,
            values=values,
        )


def _perturb(rng: random.Random, value: str, pool: list[str]) -> str:
    """A neighbour of ``value``: one off for numbers, an edit for strings, else another seed."""
    try:
        current = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return rng.choice(pool)
    if rng.random() < 0.4:
        return rng.choice(pool)
    if isinstance(current, bool):
        return repr(not current)
    if isinstance(current, int):
        return repr(rng.choice([current + 1, current - 1, current * 2, -current, current // 2]))
    if isinstance(current, float):
        return repr(rng.choice([current + 1.0, current - 1.0, current * 2, -current, 0.0]))
    if isinstance(current, str):
        words = [ast.literal_eval(v) for v in pool if _literal_type(v) == "str"] or ["a"]
        # Punctuation too: the characters a parser or a format splits on.
        at, char = rng.randint(0, len(current)), rng.choice(_STRING_CHARS)
        edits = [current + rng.choice(_STRING_CHARS), current[:-1], current.upper(), current * 2]
        edits += [current[:at] + char + current[at:]]
        edits += [current + rng.choice(words), rng.choice(words) + current]
        # Joined as words are (a phrase, an identifier): the small word inside, not glued on.
        sep = rng.choice(" _-,")
        edits += [f"{current}{sep}{rng.choice(words)}", current.capitalize()]
        return repr(rng.choice(edits))
    if isinstance(current, list):
        extra = [ast.literal_eval(v) for v in pool if _literal_type(v) and v != value][:1]
        return repr(rng.choice([current[:-1], current + extra, current[::-1]]))
    return rng.choice(pool)
