"""The run's device and threads (``sgan.training.device``): one place decides both, and every command validates
``--device`` the same way (one ``error:`` line, exit 2)."""

import os

import pytest
import torch

from sgan.cli.main import main
from sgan.config import make_config
from sgan.generator import Generator
from sgan.metrics import compute_metric, registry
from sgan.studies import course
from sgan.training import device

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")


def test_names_resolve_and_bad_ones_name_the_fix():
    assert device.resolve_device("cpu") == torch.device("cpu")
    assert device.resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert device.resolve_device(torch.device("meta")) == torch.device("meta")  # a device passes as it is
    for bad in ("nonsense", "gpu", "cuda:x", "", 3):
        with pytest.raises(device.DeviceError, match="choose 'auto', 'cpu', 'cuda' or 'cuda:<index>'"):
            device.resolve_device(bad)


@no_cuda
def test_cuda_without_a_gpu_is_refused():
    for name in ("cuda", "cuda:0", torch.device("cuda")):
        with pytest.raises(device.DeviceError, match="CUDA is not available here"):
            device.resolve_device(name, "--device")


def test_the_run_device_is_one_setting(monkeypatch):
    monkeypatch.setenv(device.DEVICE_ENV, "cpu")
    assert device.run_device() == torch.device("cpu")
    monkeypatch.setenv(device.DEVICE_ENV, "tpu")
    with pytest.raises(device.DeviceError, match=r"\$SGAN_DEVICE='tpu'"):
        device.run_device()
    monkeypatch.delenv(device.DEVICE_ENV)
    assert device.run_device() == device.resolve_device("auto")


def test_loading_follows_the_run_device(monkeypatch, tmp_path):
    """load_generator (through the zoo) and the domain network consult the one setting (a bad one, to see it)."""
    from sgan.metrics.domain_net import load_domain_net
    from sgan.studies.model_zoo import zoo, zoo_entries

    monkeypatch.setenv(device.DEVICE_ENV, "tpu")
    with pytest.raises(device.DeviceError, match="SGAN_DEVICE"):
        load_domain_net()
    with pytest.raises(device.DeviceError, match="SGAN_DEVICE"):
        zoo(zoo_entries("cpu")[0])
    monkeypatch.setenv(device.DEVICE_ENV, "cpu")
    assert next(load_domain_net().parameters()).device.type == "cpu"
    assert next(zoo(zoo_entries("cpu")[0]).parameters()).device.type == "cpu"


def test_metrics_follow_the_generators_device(monkeypatch):
    """compute_metric without ``device`` runs where G is (it used to default to the CPU beside a GPU's G)."""
    seen = {}

    def fake(spec, G, dataset, *, device, seed, progress):
        seen["device"] = device
        return {"value": 0.0, "feature_network": "-", "distance": "-"}

    monkeypatch.setattr(registry, "_implementation", lambda kind: fake)
    G = Generator(make_config("F", "smoke").model, seed=0).to("meta")
    compute_metric("fid64", G)
    assert seen["device"] == torch.device("meta")
    compute_metric("fid64", G, device="cpu")
    assert seen["device"] == "cpu"


def test_threads_split_the_machine_between_processes_that_share_it(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert (device.process_threads(1), device.process_threads(2), device.process_threads(3)) == (2, 1, 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert (device.process_threads(1), device.process_threads(2)) == (16, 8)
    with pytest.raises(ValueError, match="at least one"):
        device.process_threads(0)


def test_course_kernels_get_their_share_and_notebooks_alone_get_every_core(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    with course.kernel_threads(2):
        assert os.environ["OMP_NUM_THREADS"] == "1"  # two ablation runs on 2 cores: one thread each
    with course.kernel_threads(1):
        assert os.environ["OMP_NUM_THREADS"] == "2"  # a teaching notebook alone: all of them
    assert "OMP_NUM_THREADS" not in os.environ
    monkeypatch.setenv("OMP_NUM_THREADS", "7")  # the user's setting wins
    with course.kernel_threads(2):
        assert os.environ["OMP_NUM_THREADS"] == "7"


COMMANDS = {
    "sample": ["sample", "--run", "x", "--out", "y.png"],
    "project": ["project", "--run", "x", "--image", "a.png", "--out", "w.npy"],
    "edit": ["edit", "--run", "x", "--w", "w.npy", "--factor", "beard", "--out", "s.png"],
    "train": ["train", "--out", "x"],
}


def _one_error_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(err) == 1, err
    return err[0]


REFUSED = {"nonsense": "--device='nonsense': choose 'auto', 'cpu', 'cuda'",
           "cuda": "--device='cuda' but CUDA is not available here: use 'cpu' or 'auto'."}


@pytest.mark.parametrize("device", [pytest.param("nonsense"), pytest.param("cuda", marks=no_cuda)])
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_bad_device_before_anything_runs(command, device, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main([*COMMANDS[command], "--device", device])
    assert exc.value.code == 2
    assert REFUSED[device] in _one_error_line(capsys)
    assert not any(tmp_path.iterdir())  # refused before anything ran


def test_train_takes_device_from_the_flag(tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--config", "F", "--profile", "smoke", "--data-root", str(tmp_path / "data"),
                 "--data-n", "64", "--out", str(run), "--max-steps", "1", "--set", "num_threads=1",
                 "--device", "cpu", "--no-progress"]) == 0
    from sgan.config import RunConfig

    assert RunConfig.from_json((run / "config.json").read_text()).train.device == "cpu"


def test_projection_loads_its_judge_on_gs_device(monkeypatch):
    """The perceptual network follows G (it was loaded on the CPU beside a CUDA G). G on ``meta`` stands in for
    a GPU: the loader is asked for G's device."""
    import sgan.projection
    from sgan.projection import project

    asked = []

    def fake_loader(device=None, directory=None, resolution=None):
        asked.append((device, resolution))
        raise LookupError("stop here")

    monkeypatch.setattr(sgan.projection, "load_domain_net", fake_loader)
    G = Generator(make_config("F", "smoke").model, seed=0).to("meta")
    with pytest.raises(LookupError, match="stop here"):
        project(G, torch.zeros(1, 3, 16, 16, device="meta"), steps=1, progress=False)
    assert asked == [(torch.device("meta"), 16)]  # G's device, and the judge of G's resolution


def test_bf16_runs_where_it_is_native(monkeypatch):
    assert device.bf16_supported(torch.device("cpu")) and not device.bf16_supported(torch.device("meta"))
    for capability, native in (((7, 5), False), ((7, 0), False), ((8, 0), True), ((9, 0), True)):
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda d, c=capability: c)
        assert device.bf16_supported(torch.device("cuda")) is native, capability


def test_a_device_without_bf16_trains_the_plain_path_and_says_so(monkeypatch, tmp_path):
    """The gpu profile turns bf16 on; a T4 (no native bf16) trains in fp32 with a warning, not an error."""
    from sgan.data import load_dataset
    from sgan.training.distributed import DistInfo
    from sgan.training.trainer import Trainer

    data = load_dataset("synthetic", resolution=16, n=32, root=tmp_path, progress=False)
    cfg = make_config("F", "smoke", amp_bf16=True)
    assert Trainer(cfg, data, DistInfo(), torch.device("cpu")).bf16
    monkeypatch.setattr(device, "bf16_supported", lambda d: False)
    with pytest.warns(UserWarning, match="no native bf16"):
        trainer = Trainer(cfg, data, DistInfo(), torch.device("cpu"))
    assert not trainer.bf16 and not trainer.autocast()._enabled
