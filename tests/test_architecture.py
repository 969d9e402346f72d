"""The shape of the package: no import cycles (imports inside functions count too); the lower layers (the
paper's model, training, metrics, data) never import the experiments (``sgan.studies``), the display
(``sgan.viz``) or the command line (``sgan.cli``) built on top of them; the display never imports a study."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sgan"

# The layers from the top: each may import the ones below it, never one above. Everything not named here is
# lower: the model (top-level modules, ``sgan.nn``), training with its monitoring (``sgan.training``), the
# metrics and the data. The command line (``sgan.cli`` and its entry, ``sgan.__main__``) may import anything.
CLI = ("sgan.cli", "sgan.__main__")
EXPERIMENTS = ("sgan.studies",)
DISPLAY = ("sgan.viz",)


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """``{module: the sgan modules it imports}``, every ``import`` in the file (top level or in a function)."""
    modules = {module_name(p, root): p for p in root.rglob("*.py")}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for target in targets:
                found = resolve(target) if target.startswith("sgan") else None
                # a package's own __init__ (``sgan``, ``sgan.metrics``) is not an edge: it only re-exports
                if found and found != name and not name.startswith(f"{found}.") and found != "sgan":
                    graph[name].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_inside_functions(tmp_path):
    pkg = tmp_path / "sgan"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("def f():\n    from sgan.high import g\n    return g\n")
    (pkg / "high.py").write_text("from sgan import low\n")
    graph = import_graph(pkg)
    assert graph["sgan.low"] == {"sgan.high"} and graph["sgan.high"] == {"sgan.low"}
    assert cycles(graph) == [["sgan.high", "sgan.low"]]


def test_sgan_has_no_import_cycles():
    assert cycles(import_graph()) == []


def in_layer(module: str, layer: tuple[str, ...]) -> bool:
    return any(module == top or module.startswith(f"{top}.") for top in layer)


def imports_up(graph: dict[str, set[str]], upper: tuple[str, ...], allowed: tuple[str, ...]) -> dict[str, list]:
    """``{module: the modules of ``upper`` it imports}`` for every module outside ``upper`` and ``allowed``."""
    return {m: sorted(t for t in targets if in_layer(t, upper)) for m, targets in graph.items()
            if not in_layer(m, upper + allowed) and m != "sgan" and any(in_layer(t, upper) for t in targets)}


def test_the_layer_check_finds_an_import_up():
    graph = {"sgan.generator": {"sgan.viz.plots"}, "sgan.viz.plots": {"sgan.generator"},
             "sgan.studies.sweep": {"sgan.viz.plots"}, "sgan.cli.main": {"sgan.studies.sweep"}}
    assert imports_up(graph, DISPLAY, EXPERIMENTS + CLI) == {"sgan.generator": ["sgan.viz.plots"]}
    assert imports_up(graph, EXPERIMENTS, CLI) == {}


@pytest.mark.parametrize("upper, above", [(CLI, ()), (EXPERIMENTS, CLI), (DISPLAY, EXPERIMENTS + CLI)],
                         ids=["cli", "studies", "viz"])
def test_no_module_imports_a_layer_above_its_own(upper, above):
    assert imports_up(import_graph(), upper, above) == {}


# Imports inside functions: only these heavy dependencies (seconds to import, needed by a few functions), so
# that ``import sgan.<module>`` stays quick; every other import is at the top of its module.
LAZY_IMPORTS = {
    "matplotlib": "the figures' backend (about a second)",
    "ipywidgets": "the notebooks' widgets",
    "IPython": "the notebook display",
    "ipykernel": "the kernel's connection file (the live view's stop button)",
    "playwright": "the browser checks",
    "papermill": "runs the course's notebooks",
    "nbformat": "reads notebooks",
    "nbconvert": "the course's HTML exports",
    "lpips": "LPIPS weights (the paper's PPL)",
    "torchvision": "Inception-v3 and VGG16 (the paper's FID and PPL)",
    "tensorboard": "TensorBoard's event files and server",
    "scipy": "the reference Fréchet distance",
    "sklearn": "the separability and probe classifiers",
    "threadpoolctl": "BLAS threads in the benchmark",
    "PIL": "image files",
    "fcntl": "POSIX file locks",
    "resource": "POSIX peak memory",
}
# sgan modules imported inside a function, each with its reason (a heavy dependency at their top).
LAZY_SGAN = {
    ("sgan.metrics.features", "sgan.metrics.inception"): "Inception-v3 subclasses torchvision's blocks",
    ("sgan.metrics.ppl", "sgan.metrics.lpips_vgg"): "LPIPS's VGG16 is torchvision's",
    ("sgan.data", "sgan.data.preview"): "the data's preview draws with matplotlib",
}
# torch inside functions: modules that ``sgan.config`` imports, so that a config is made without torch.
TORCH_FREE = {"sgan.training.device"}


def function_imports(root: Path = PACKAGE) -> list[tuple[str, str, int]]:
    """``(module, imported module, line)`` for every import inside a function of the package."""
    found = []
    for path in root.rglob("*.py"):
        module = module_name(path, root)
        for fn in ast.walk(ast.parse(path.read_text())):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import):
                    found += [(module, a.name, node.lineno) for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:  # a submodule by its own name
                    found += [(module, submodule if (root.parent / f"{submodule.replace('.', '/')}.py").is_file()
                               else node.module, node.lineno) for submodule in (f"{node.module}.{a.name}"
                                                                                for a in node.names)]
    return sorted(set(found))


def lazy_allowed(module: str, target: str) -> bool:
    top = target.split(".")[0]
    if top == "sgan":
        return (module, target) in LAZY_SGAN
    if top == "torch" and not target.startswith("torch.utils.tensorboard"):
        return module in TORCH_FREE
    return top in LAZY_IMPORTS or target.startswith("torch.utils.tensorboard")


def test_the_import_check_sees_an_import_in_a_function(tmp_path):
    pkg = tmp_path / "sgan"
    pkg.mkdir()
    (pkg / "a.py").write_text("import os\n\n\ndef f():\n    import json\n    from PIL import Image\n"
                              "    return json, Image\n")
    assert function_imports(pkg) == [("sgan.a", "PIL", 6), ("sgan.a", "json", 5)]
    assert not lazy_allowed("sgan.a", "json") and lazy_allowed("sgan.a", "PIL")


def test_imports_are_at_the_top_except_the_heavy_ones():
    wrong = [f"{m}:{line} imports {t}" for m, t, line in function_imports() if not lazy_allowed(m, t)]
    assert wrong == []


def test_no_module_is_over_500_lines():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 500}
    assert long == {}
