"""Faults a user meets: each gives one clear ``error:`` line and loses nothing that was already written.

Two writers into one run directory (two real processes), corrupt checkpoints (truncated, empty, foreign,
flipped bits), SIGTERM on a real child, bad values and output folders at the command line, and the temporary
files a killed run leaves behind.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from sgan.cli.main import main
from sgan.config import make_config
from sgan.training.checkpoint import CheckpointError, load_checkpoint, read_checkpoint, save_checkpoint
from sgan.training.runlock import RunLock, RunLockedError

SMOKE = ["--config", "F", "--profile", "smoke", "--data-n", "64", "--no-progress", "--set", "num_threads=1",
         "--set", "tick_kimg=0.032", "--set", "tick_fid_samples=0"]

CHILD = textwrap.dedent("""
    import sys
    from sgan.cli.main import main
    sys.exit(main(sys.argv[1:]))
""")


def train_args(out: Path | str, root: Path, *extra: str) -> list[str]:
    return ["train", *SMOKE, "--data-root", str(root), "--out", str(out), *extra]


def spawn(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-c", CHILD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def wait_for_checkpoint(run: Path, child: subprocess.Popen, timeout: float = 120.0) -> None:
    """Until the child holds the lock and has written a checkpoint (or fail with its output)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (run / "checkpoints" / "latest.pt").is_file() and (run / ".lock").is_file() \
                and str(child.pid) in (run / ".lock").read_text():
            return
        if child.poll() is not None:
            pytest.fail(f"the child ended early ({child.returncode}): {child.communicate()}")
        time.sleep(0.05)
    child.kill()
    pytest.fail("the child wrote no checkpoint in time")


def steps_logged(run: Path) -> list[int]:
    return [json.loads(line)["step"] for line in (run / "log.jsonl").read_text().splitlines()]


# ----- one writer per run directory -----
def test_a_second_training_into_a_busy_run_is_refused_and_a_killed_ones_lock_is_taken_over(tmp_path, capsys):
    run, root = tmp_path / "run", tmp_path / "data"
    child = spawn(train_args(run, root, "--set", "total_kimg=100"))
    try:
        wait_for_checkpoint(run, child)
        assert main(train_args(run, root, "--set", "total_kimg=100")) == 1
        assert main(train_args(run, root, "--set", "total_kimg=100", "--resume")) == 1
        err = capsys.readouterr().err.splitlines()
        busy = f"error: {run} is in use by another training (pid {child.pid} on "
        assert len(err) == 2 and all(line.startswith(busy) for line in err), err
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    before = steps_logged(run)
    with pytest.warns(UserWarning, match=f"took over the stale lock .*pid {child.pid}"):
        assert main(train_args(run, root, "--set", "total_kimg=100", "--resume", "--max-steps",
                               str(max(before) + 2))) == 0
    steps = steps_logged(run)
    assert steps == sorted(set(steps)) and steps[-1] == max(before) + 2  # one run, no step twice
    assert (run / ".lock").read_text() == ""  # released cleanly


def test_the_lock_is_reentrant_for_no_one(tmp_path):
    with RunLock(tmp_path):
        with pytest.raises(RunLockedError, match=f"pid {os.getpid()}"):
            RunLock(tmp_path).acquire()
    with RunLock(tmp_path):  # released: free again
        pass


# ----- checkpoints -----
@pytest.fixture
def good_state():
    return {"config": "{}", "progress": {"step": 7}, "G": {"w": torch.arange(1000, dtype=torch.float32)}}


@pytest.mark.parametrize(("damage", "message"), [
    (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "is truncated or corrupt"),
    (lambda p: p.write_bytes(b""), "is empty (0 bytes): the write that made it never finished."),
    (lambda p: p.write_text("hello, I am not a checkpoint\n"), "is not an sgan checkpoint: it is not a file"),
])
def test_damaged_checkpoints_name_the_problem_and_never_suggest_unsafe_loading(tmp_path, good_state, damage,
                                                                               message):
    path = save_checkpoint(tmp_path / "latest.pt", good_state)
    damage(path)
    with pytest.raises(CheckpointError) as exc:
        read_checkpoint(path)
    assert message in str(exc.value) and str(path) in str(exc.value)
    assert "weights_only" not in str(exc.value)


def flip_tensor_bits(path: Path, count: int) -> None:
    """Flip the lowest bit of ``count`` bytes inside the stored tensor (the data record of the zip)."""
    data = bytearray(path.read_bytes())
    start = data.index(b"data/0") + 200  # past the record's header, inside the 4000 bytes of G.w
    for i in range(count):
        data[start + 50 * i] ^= 1
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("flips", [1, 64])
def test_flipped_bits_are_detected_by_the_checksum(tmp_path, good_state, flips):
    path = save_checkpoint(tmp_path / "latest.pt", good_state)
    flip_tensor_bits(path, flips)
    with pytest.raises(CheckpointError, match="is corrupt: its contents do not match the checksum"):
        read_checkpoint(path)


def test_a_corrupt_latest_falls_back_to_the_previous_checkpoint(tmp_path, good_state):
    folder = tmp_path / "run" / "checkpoints"
    save_checkpoint(folder / "latest.pt", good_state)
    save_checkpoint(folder / "latest.pt", {**good_state, "progress": {"step": 8}})
    assert load_checkpoint(tmp_path / "run")["progress"]["step"] == 8
    flip_tensor_bits(folder / "latest.pt", 1)
    with pytest.warns(UserWarning, match=r"do not match the checksum.*previous.pt \(step 7\)"):
        assert load_checkpoint(tmp_path / "run")["progress"]["step"] == 7
    with pytest.raises(CheckpointError):  # a file named explicitly is never swapped for another
        load_checkpoint(folder / "latest.pt")


def test_a_kill_between_the_two_renames_leaves_previous_which_is_used(tmp_path, good_state):
    from sgan.training.checkpoint import has_checkpoint

    folder = tmp_path / "run" / "checkpoints"
    save_checkpoint(folder / "latest.pt", good_state)
    save_checkpoint(folder / "latest.pt", {**good_state, "progress": {"step": 8}})
    (folder / "latest.pt").unlink()  # killed after latest -> previous, before tmp -> latest
    assert has_checkpoint(tmp_path / "run")
    with pytest.warns(UserWarning, match="latest.pt is missing"):
        assert load_checkpoint(tmp_path / "run")["progress"]["step"] == 7


def test_sample_from_a_corrupt_checkpoint_is_one_error_line(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"")
    assert main(["sample", "--run", str(bad), "--out", str(tmp_path / "g.png")]) == 1
    assert capsys.readouterr().err == f"error: Checkpoint {bad} is empty (0 bytes): the write that made it never " \
                                      "finished.\n"
    assert main(["sample", "--run", str(tmp_path / "missing"), "--out", str(tmp_path / "g.png")]) == 1
    assert capsys.readouterr().err.startswith(f"error: No checkpoint at {tmp_path / 'missing'}")
    assert not (tmp_path / "g.png").exists()


# ----- signals -----
def test_sigterm_stops_like_ctrl_c_with_a_checkpoint_and_a_message(tmp_path):
    run, root = tmp_path / "run", tmp_path / "data"
    child = spawn(train_args(run, root, "--set", "total_kimg=100"))
    wait_for_checkpoint(run, child)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 130, (out, err)
    step = load_checkpoint(run)["progress"]["step"]
    assert f"Interrupted (SIGTERM) at step {step}: checkpoint saved in {run / 'checkpoints'}; continue with " \
           "--resume" in err
    assert steps_logged(run)[-1] == step  # the last tick, logged and checkpointed: nothing lost


# ----- the command line's values and folders -----
@pytest.mark.parametrize(("extra", "message"), [
    (["--set", "total_kimg=abc"], "error: total_kimg='abc' must be a float"),
    (["--set", "mirror=maybe"], "error: mirror='maybe' must be a bool"),
    (["--set", "fade_kimg=NaN"], "error: fade_kimg=nan must be a finite number."),
    (["--set", "batch_sizes=[[8,0]]"], "error: batch_sizes must hold positive values"),
    (["--set", "checkpoint_ticks=0"], "error: checkpoint_ticks=0 must be >= 1."),
    (["--set", "grid_size=0"], "error: grid_size=0 must be >= 1."),
    (["--set", "device=tpu"], "error: device='tpu': choose 'auto', 'cpu', 'cuda'"),
    (["--max-kimg", "nan"], "error: --max-kimg nan: give a positive number"),
])
def test_bad_training_values_are_usage_errors(tmp_path, capsys, extra, message):
    run = tmp_path / "run"
    with pytest.raises(SystemExit) as exc:
        main(train_args(run, tmp_path / "data", *extra))
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not run.exists()


@pytest.mark.parametrize(("extra", "message"), [
    (["--psi", "nan"], "error: --psi nan: truncation ψ must be a finite number"),
    (["--psi", "inf"], "error: --psi inf: truncation ψ must be a finite number"),
    (["--seeds", "0-99999999"], "ask for more than 4096 images"),
])
def test_bad_sampling_values_are_refused_up_front(tmp_path, capsys, extra, message):
    with pytest.raises(SystemExit) as exc:
        main(["sample", "--run", str(tmp_path), "--out", str(tmp_path / "g.png"), *extra])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_output_folders_that_cannot_be_used(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(train_args("", tmp_path / "data"))
    assert "error: --out is empty" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for out in (blocker, blocker / "run", Path("/proc/sgan-run")):  # a file, a path under one, /proc
        assert main(train_args(out, tmp_path / "data")) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: Cannot write the run directory {out}: ") and "Traceback" not in err
        assert err.count("\n") == 1
    assert main(train_args(tmp_path / "nothing", tmp_path / "data", "--resume")) == 1
    assert "error: Nothing to resume" in capsys.readouterr().err
    assert not (tmp_path / "nothing").exists()  # a failed resume leaves no empty folders


def test_debug_shows_the_traceback(tmp_path, capsys):
    assert main(["sample", "--debug", "--run", str(tmp_path / "missing"), "--out", str(tmp_path / "g.png")]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_a_resumed_run_removes_what_a_killed_one_left(tmp_path):
    run, root = tmp_path / "run", tmp_path / "data"
    assert main(train_args(run, root, "--max-steps", "2")) == 0
    stray = [run / "checkpoints" / ".latest.pt.x1y2.tmp", run / "grids" / ".tick-000001.png.abc.tmp",
             run / ".config.json.tmp"]
    for path in stray:
        path.write_bytes(b"half")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a clean release leaves no stale lock to warn about
        assert main(train_args(run, root, "--resume", "--max-steps", "3")) == 0
    assert not any(path.exists() for path in stray)


def test_a_pickle_with_code_is_refused_without_unsafe_advice(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": "sgan-checkpoint-2", "payload": Path("x")}, path)  # a class: code to unpickle
    with pytest.raises(CheckpointError, match="holds something other than tensors") as exc:
        read_checkpoint(path)
    assert "weights_only" not in str(exc.value)


# ----- resume -----
def test_resume_checks_the_data_and_allows_only_the_resumable_changes(tmp_path, capsys):
    run, root = tmp_path / "run", tmp_path / "data"
    assert main(train_args(run, root, "--max-steps", "2")) == 0
    capsys.readouterr()
    assert main(["train", "--out", str(run), "--resume", "--data", "digits", "--data-root", str(root),
                 "--data-n", "64", "--no-progress", "--max-steps", "3"]) == 1
    assert capsys.readouterr().err.startswith(f"error: Cannot resume {run}: it trained on 'synthetic' (64 images "
                                              "at 16²), not on 'digits'")
    with pytest.raises(SystemExit) as exc:  # a change no resumed run may make: a usage error
        main(["train", "--out", str(run), "--resume", "--set", "ema_kimg=0.2", "--data-root", str(root),
              "--data-n", "64", "--no-progress"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: Cannot resume {run}: the config differs from the checkpoint's in train.ema_kimg;" in err
    assert main(["train", "--out", str(run), "--resume", "--set", "learning_rates=[[8,0.001]]", "--data-root",
                 str(root), "--data-n", "64", "--no-progress", "--max-steps", "3"]) == 0
    smoke_lr = json.dumps(make_config("F", "smoke").train.learning_rates)
    assert f"at step 2 with train.learning_rates {smoke_lr} -> [[8, 0.001]]." in capsys.readouterr().err
    change = json.loads((run / "resume_changes.jsonl").read_text())
    assert change == {"step": 2, "changes": {"train.learning_rates": [json.loads(smoke_lr), [[8, 0.001]]]}}
    assert json.loads((run / "config.json").read_text())["train"]["learning_rates"] == [[8, 0.001]]
    assert steps_logged(run)[-1] == 3


# ----- a full disk -----
FULL_DISK_CHILD = textwrap.dedent("""
    import resource, signal, sys
    from sgan.cli.main import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails with EFBIG instead of a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 19, 1 << 19))  # files of at most 512 KiB: a "full disk"
    sys.exit(main(sys.argv[1:]))
""")


def run_on_a_full_disk(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", FULL_DISK_CHILD, *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_a_data_cache_on_a_full_disk_is_one_clear_error_and_leaves_nothing(tmp_path):
    root = tmp_path / "data"
    args = ["train", "--config", "F", "--profile", "smoke", "--data-n", "2000", "--data-root", str(root),
            "--out", str(tmp_path / "run"), "--no-progress"]
    done = run_on_a_full_disk(args)
    assert done.returncode == 1, done
    assert done.stderr.startswith(f"error: No room for the data cache in {root}: it needs ") \
        and "(File too large). Free some space" in done.stderr and "Traceback" not in done.stderr
    assert not list(root.glob(".*.tmp"))  # no half-written cache left behind


def test_a_killed_builds_temporaries_are_removed_by_the_next_build_of_any_entry(tmp_path):
    from sgan.data import load_dataset

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    root = tmp_path / "data"
    root.mkdir()
    orphan = root / f".synthetic-other.images.{dead}.abcd1234.tmp"
    orphan.write_bytes(b"x" * 1000)
    load_dataset("synthetic", resolution=16, n=8, root=root, progress=False)
    assert not orphan.exists()


def test_training_on_a_full_disk_stops_with_one_error_and_keeps_the_checkpoint(tmp_path):
    run, root = tmp_path / "run", tmp_path / "data"
    assert main(train_args(run, root, "--max-steps", "2")) == 0  # a checkpoint of ~1 MiB: over the limit
    done = run_on_a_full_disk(train_args(run, root, "--resume", "--max-steps", "4"))
    latest = run / "checkpoints" / "latest.pt"
    assert (done.returncode, done.stderr) == (1, f"error: Cannot write the checkpoint {latest} (File too large). "
                                                 f"Free some space, then continue with --resume (the last "
                                                 f"checkpoint, {latest}, is intact).\n"), done
    assert load_checkpoint(run)["progress"]["step"] == 2
    assert not list((run / "checkpoints").glob(".*.tmp"))


def test_an_absurd_minibatch_is_refused_before_anything_is_allocated(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(train_args(tmp_path / "run", tmp_path / "data", "--set", "batch_sizes=[[8,1000000]]"))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error: Minibatch 1000000 at 8² needs about" in err and "lower batch_sizes" in err
    assert not (tmp_path / "data").exists()


def test_the_memory_estimate_passes_every_profile_on_a_16_gib_laptop():
    from sgan.training.prepare import step_memory

    for profile in ("smoke", "cpu", "gpu"):
        cfg = make_config("F", profile)
        assert max(step_memory(cfg, r) for r in cfg.model.resolutions) < 16 * 2**30, profile


# ----- image folders -----
def test_image_folders_with_odd_names_and_deep_pixels(tmp_path):
    from PIL import Image

    from sgan.data import load_dataset

    folder = tmp_path / "faces"
    folder.mkdir()
    grey = np.full((16, 16), 128, dtype=np.uint8)
    Image.fromarray(grey).save(folder / os.fsdecode(b"caf\xe9-latin1.png"))  # not valid UTF-8
    Image.fromarray(np.full((16, 16), 0.5, dtype=np.float32), mode="F").save(folder / "float.tif")
    Image.fromarray(np.full((16, 16), 200, dtype=np.uint16)).save(folder / "dark16.png")  # 200 / 65535
    Image.fromarray(np.full((16, 16), 65535 // 2, dtype=np.uint16)).save(folder / "mid16.png")
    data = load_dataset(folder, resolution=16, root=tmp_path / "cache", progress=False)
    pixel = {Path(f).stem: int(data.images[i, 0, 8, 8]) for i, f in enumerate(data.files)}
    assert pixel == {os.fsdecode(b"caf\xe9-latin1"): 128, "float": 128, "dark16": 1, "mid16": 127}


def test_upscale_is_a_command_line_flag(tmp_path, capsys):
    from PIL import Image

    folder = tmp_path / "small"
    folder.mkdir()
    for i in range(8):
        Image.fromarray(np.full((8, 8, 3), 30 * i, dtype=np.uint8)).save(folder / f"{i}.png")
    args = train_args(tmp_path / "run", tmp_path / "data", "--max-steps", "1")
    args[args.index("--data-n"):args.index("--data-n") + 2] = ["--data", str(folder)]
    assert main(args) == 1
    assert "Pass upscale=True (--upscale on the command line)" in capsys.readouterr().err
    assert main([*args, "--upscale", "--out", str(tmp_path / "run2")]) == 0


def test_a_second_signal_while_stopping_interrupts_and_the_cli_says_how_to_go_on(monkeypatch, capsys):
    import sgan.cli.main as cli
    from sgan.cli.sample import add_sample_arguments
    from sgan.training.loop import _StopRequests

    stop = _StopRequests()
    stop._handle(signal.SIGTERM, None)
    assert stop.requested and stop.signal_name == "SIGTERM"
    with pytest.raises(KeyboardInterrupt):
        stop._handle(signal.SIGINT, None)

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "sample", cli.Command("", add_sample_arguments, interrupted))
    assert main(["sample", "--run", "x", "--out", "y.png"]) == 130
    assert capsys.readouterr().err == "error: interrupted; a training run resumes from its last checkpoint with " \
                                      "--resume.\n"
