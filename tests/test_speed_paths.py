"""The speed paths on CPU, against the plain fp32 path (the GPU runs them; CI keeps them honest without one).

bf16 autocast (``torch.autocast("cpu", torch.bfloat16)``), channels-last memory and ``torch.compile`` each
train three minibatches from the same seed as the plain path. The losses must agree: to 1e-3 for the two
exact paths, and to 5% for bf16 (8 bits of mantissa; the plain run's three steps measured within 1.3%). Images
from the same weights must also agree: to 1e-3 for the exact paths and 5% for bf16 (measured: 2.7%). For
bf16, images after training steps are not compared. Adam's first steps move every weight by about ±lr
whatever the gradient's size, so a low-precision gradient near zero flips the sign of that step, and an
untrained generator turns those 2e-3 weight differences into about 30% image differences.
The ``gpu`` profile's networks are built and stepped on the CPU at a small minibatch.
"""

import shutil

import pytest
import torch

from sgan.config import make_config
from sgan.data import load_dataset
from sgan.generator import Generator
from sgan.metrics.registry import metric_names_for
from sgan.schedule import schedule
from sgan.training.distributed import DistInfo
from sgan.training.trainer import Trainer

STEPS = 3
HAS_COMPILER = shutil.which("c++") is not None or shutil.which("g++") is not None


@pytest.fixture(scope="module")
def data16(tmp_path_factory):
    return load_dataset("synthetic", resolution=16, n=128, root=tmp_path_factory.mktemp("data"), progress=False)


def fixed_noise(G: Generator) -> list[torch.Tensor]:
    return [torch.zeros(1, 1, G.layer_resolution(i), G.layer_resolution(i)) for i in range(G.num_layers)]


def train_steps(data, **flags) -> tuple[list[dict[str, float]], torch.Tensor]:
    """The losses of ``STEPS`` minibatches of config F (smoke, 16²) and G_ema's images on fixed inputs."""
    t = Trainer(make_config("F", "smoke", start_resolution=16, **flags), data, DistInfo(), torch.device("cpu"))
    losses = [t.train_step()[1] for _ in range(STEPS)]
    z = torch.randn(8, t.G_ema.cfg.z_dim, generator=torch.Generator().manual_seed(5), device="cpu")
    with torch.no_grad():
        images = t.G_ema(z, noise=fixed_noise(t.G_ema)).float()  # [8, 3, 16, 16]
    return losses, images


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / a.norm()).item()


@pytest.fixture(scope="module")
def plain(data16):
    return train_steps(data16)


@pytest.mark.parametrize(("flag", "rtol", "image_rtol"), [
    ("channels_last", 1e-3, 1e-3),
    ("amp_bf16", 0.05, None),
    pytest.param("compile", 1e-3, 1e-3, marks=[pytest.mark.skipif(
        not HAS_COMPILER, reason="torch.compile on CPU needs a C++ compiler (c++ or g++)"),
        pytest.mark.slow]),  # ~60 s on a cold inductor cache (as in CI): handed out first, not last
])
def test_each_speed_path_trains_like_the_plain_path(flag, rtol, image_rtol, data16, plain):
    # inductor builds its ~50 C++ kernels one after another here, not in a pool of processes that each import
    # torch first: measured on a cold cache (as in CI), 67 CPU-s instead of 92, with every core running a worker
    with torch._inductor.config.patch(compile_threads=1):
        losses, images = train_steps(data16, **{flag: True})
    for step, (fast, base) in enumerate(zip(losses, plain[0], strict=True)):
        for key in base:
            assert fast[key] == pytest.approx(base[key], rel=rtol, abs=1e-6), (flag, step, key)
    if image_rtol is not None:
        assert relative_error(plain[1], images) < image_rtol


def test_bf16_autocast_renders_the_same_images_as_fp32():
    G = Generator(make_config("F", "smoke").model, seed=0).eval()
    z = torch.randn(8, G.cfg.z_dim, generator=torch.Generator().manual_seed(5), device="cpu")
    with torch.no_grad():
        fp32 = G(z, noise=fixed_noise(G))
        with torch.autocast("cpu", dtype=torch.bfloat16):
            bf16 = G(z, noise=fixed_noise(G)).float()
    assert relative_error(fp32, bf16) < 0.05


def test_the_gpu_profile_builds_and_steps_on_cpu(tmp_path):
    cfg = make_config("F", "gpu")
    assert (cfg.model.resolution, cfg.model.channels_at(4), cfg.model.channels_at(64)) == (64, 256, 128)
    assert metric_names_for(cfg) == ["fid10k", "ppl_zfull_10k", "ppl_wfull_10k", "ppl_zend_10k", "ppl_wend_10k",
                                     "ls20k"]
    end = schedule(cfg.train.total_kimg, cfg.train, cfg.model.resolution)
    assert (schedule(0.0, cfg.train, 64).resolution, end.resolution, end.alpha, end.batch) == (8, 64, 1.0, 32)
    data = load_dataset("synthetic", resolution=64, n=32, root=tmp_path / "data", progress=False)
    small = make_config("F", "gpu", batch_sizes=((8, 4), (64, 4)), start_resolution=64, num_threads=1)
    t = Trainer(small, data, DistInfo(), torch.device("cpu"))
    for _ in range(2):
        phase, values = t.train_step()
        assert phase.resolution == 64 and all(torch.isfinite(torch.tensor(v)) for v in values.values())
    z = torch.randn(2, cfg.model.z_dim, device="cpu")
    with torch.no_grad():
        assert t.G_ema(z).shape == (2, 3, 64, 64)
