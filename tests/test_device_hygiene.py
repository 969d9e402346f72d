"""Device hygiene: no tensor is created on an unintended device inside forward, loss, training, metric or widget
code, so the CUDA paths cannot fail on a device mix-up that the CPU tests never see.

Two checks. (1) Run that code with the *default* device set to ``meta`` while every model and input lives on
the CPU, under ``sgan.training.device.device_guard`` (a TorchFunctionMode): a factory call in the project's code that
forgets ``device=`` fails at once, naming the line, and any other makes a meta tensor that the guard stops
when it meets a CPU tensor. (2) A source scan: every ``torch.<factory>(...)`` in ``sgan/`` passes ``device=``,
except a parameter's or buffer's initial value (module construction, moved later with ``.to``).
"""

import ast
from pathlib import Path

import numpy as np
import pytest
import torch

from sgan import losses
from sgan.config import make_config
from sgan.data import load_dataset
from sgan.discriminator import Discriminator
from sgan.editing import disentanglement_matrix, edit, factor_directions
from sgan.generator import Generator
from sgan.metrics import compute_metric
from sgan.metrics.domain_net import load_domain_net
from sgan.projection import project
from sgan.training.device import DeviceMixError, device_guard
from sgan.training.distributed import DistInfo
from sgan.training.trainer import Trainer
from sgan.viz import figures, plots
from sgan.viz.widgets import InterpolationWidget, NoiseWidget, StyleMixingWidget, TruncationWidget

FACTORIES = {"zeros", "ones", "randn", "rand", "randint", "randperm", "empty", "full", "arange", "tensor", "eye",
             "linspace", "normal", "as_tensor"}
SGAN = Path(__file__).resolve().parents[1] / "sgan"


@pytest.fixture(scope="module")
def data16(tmp_path_factory):
    return load_dataset("synthetic", resolution=16, n=128, root=tmp_path_factory.mktemp("data"), progress=False)


@pytest.fixture
def meta_default():
    """The default device is ``meta`` for the test's body (models and inputs stay on the CPU), under the guard."""
    with torch.device("meta"), device_guard():
        yield


def test_the_guard_stops_devices_meeting_and_factories_without_a_device():
    cpu, meta = torch.ones(4, device="cpu"), torch.ones(4, device="meta")
    with device_guard():
        with pytest.raises(DeviceMixError, match="add: tensors on cpu, meta meet"):
            torch.add(cpu, meta)
        in_sgan = str(SGAN / "somewhere.py")  # the factory rule checks the package's code
        with pytest.raises(DeviceMixError, match=r"torch.zeros\(...\) without device= at .*somewhere.py:1"):
            exec(compile("torch.zeros(3)", in_sgan, "exec"), {"torch": torch})
        with pytest.raises(DeviceMixError, match="torch.randn"):
            exec(compile("torch.randn(2, generator=torch.Generator().manual_seed(0))", in_sgan, "exec"),
                 {"torch": torch})
        exec(compile("torch.zeros(3, device='cpu')", in_sgan, "exec"), {"torch": torch})
        torch.zeros(3)  # a test's (or a notebook's) own tensors are its business
        assert (cpu + torch.zeros(4, device="cpu")).sum() == 4  # named devices, one device: fine
        assert cpu.to("meta").device.type == "meta" and (cpu * torch.tensor(2.0, device="cpu")).sum() == 8
        assert torch.zeros_like(cpu).device == cpu.device  # follows its input
    torch.add(cpu, 1.0)  # outside the guard nothing is checked


def test_projection_and_editing_create_nothing_on_the_default_device(meta_default):
    """Projection and editing on G's device; their judge on G's device too (it loaded on the CPU before)."""
    with torch.device("cpu"):
        G = Generator(make_config("F", "smoke").model, seed=0).eval()
        target = G(torch.randn(2, G.cfg.z_dim, generator=torch.Generator().manual_seed(1), device="cpu"))
        net = load_domain_net("cpu")
    result = project(G, target.detach(), "w+", steps=3, progress=False)
    assert result.ws.device.type == "cpu" and np.isfinite(result.losses).all()
    dirs = factor_directions(G, net, "w", n=64)
    ws = edit(result.ws, dirs.directions["yaw"], 1.0, dirs.sigma["yaw"])
    assert ws.device.type == "cpu"
    _, M = disentanglement_matrix(G, net, dirs, n=16)
    assert np.isfinite(M).all()


@pytest.mark.parametrize("config", ["A", "B", "F"])
def test_a_training_step_creates_nothing_on_the_default_device(config, data16, meta_default):
    with torch.device("cpu"):  # construction is allowed to use the default device; stepping is not
        t = Trainer(make_config(config, "smoke", start_resolution=16), data16, DistInfo(), torch.device("cpu"))
    phase, values = t.train_step()
    assert all(np.isfinite(v) for v in values.values()), values


def test_forward_and_losses_create_nothing_on_the_default_device(meta_default):
    with torch.device("cpu"):
        cfg = make_config("F", "smoke")
        G, D = Generator(cfg.model, seed=0), Discriminator(cfg.model, seed=0)
        z = torch.randn(4, cfg.model.z_dim, device="cpu")
        reals = torch.rand(4, 3, 16, 16, device="cpu") * 2 - 1
    fakes = G(z, psi=0.7, noise="random")
    assert fakes.device.type == "cpu" and D(fakes).device.type == "cpu"
    for kind in ("ns_r1", "wgan_gp"):
        u = torch.rand(4, 1, 1, 1, device="cpu")
        d = losses.d_loss(kind, D, reals, fakes.detach(), cfg.train, u=u)
        g = losses.g_loss(kind, D(fakes))
        assert d.loss.device.type == "cpu" and g.device.type == "cpu"


@pytest.mark.parametrize("metric", ["fid64", "ppl_wfull_64", "ppl_zend_64", "ls256", "attrs64"])
def test_metrics_create_nothing_on_the_default_device(metric, data16, meta_default):
    with torch.device("cpu"):
        G = Generator(make_config("F", "smoke").model, seed=0).eval()
    options = {"cache_dir": None} if metric.startswith("fid") else {}
    result = compute_metric(metric, G, data16, progress=False, **options)
    assert np.isfinite(result["value"]), result


def test_widgets_and_figures_create_nothing_on_the_default_device(meta_default):
    with torch.device("cpu"):
        G = Generator(make_config("F", "smoke").model, seed=0).eval()
    for widget in (StyleMixingWidget(G, seeds=(1, 2), crossover=2), TruncationWidget(G),
                   NoiseWidget(G), InterpolationWidget(G, seed_a=1, seed_b=2, space="z", t=0.3)):
        assert widget.image.dtype == np.uint8
    assert plots.samples(G, range(4)).device.type == "cpu"
    assert figures.interpolate(G, 1, 2, [0.0, 0.5, 1.0], space="w").device.type == "cpu"


def factory_calls_without_device(source: str) -> list[tuple[int, str]]:
    """``(line, factory)`` of each ``torch.<factory>(...)`` without ``device=`` that is not the initial value of
    an ``nn.Parameter`` or a ``register_buffer``."""
    tree = ast.parse(source)
    construction = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.Call)
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("Parameter", "register_buffer")
                    for inner in ast.walk(node) if inner is not node}
    return [(node.lineno, node.func.attr) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and id(node) not in construction
            and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "torch" and node.func.attr in FACTORIES
            and not any(k.arg == "device" for k in node.keywords)]


def test_the_scan_finds_a_factory_without_device():
    code = "def f(x):\n    a = torch.zeros(3, device=x.device)\n    return torch.randn(2)\n" \
           "class M:\n    def __init__(self):\n        self.w = nn.Parameter(torch.ones(3))\n"
    assert factory_calls_without_device(code) == [(3, "randn")]


def test_every_factory_in_sgan_names_its_device():
    found = [f"{path.relative_to(SGAN.parent)}:{line}: torch.{name}(...) without device="
             for path in sorted(SGAN.rglob("*.py")) for line, name in factory_calls_without_device(path.read_text())]
    assert not found, "pass device= (\"cpu\" for draws from a CPU generator):\n" + "\n".join(found)
