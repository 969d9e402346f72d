"""sgan: StyleGAN (Karras, Laine, Aila, CVPR 2019) rebuilt as a course and a compact, tested library.

The public API is imported lazily, so ``import sgan`` is quick and a notebook pays only for what it uses:

    import sgan
    cfg = sgan.make_config("F", "cpu")           # a paper preset (A-F) at a profile's size
    data = sgan.load_dataset("synthetic", 32)     # the synthetic faces with their factors
    run = sgan.train(cfg, data, "runs/F")         # the paper's training procedure
    G = sgan.load_generator("runs/F")             # the EMA generator of a run
    G = sgan.zoo("F")                             # config F as trained by the reference runs (no training)
"""

from importlib import import_module

_API = {
    "ModelConfig": "sgan.config",
    "TrainConfig": "sgan.config",
    "RunConfig": "sgan.config",
    "ConfigError": "sgan.config",
    "make_config": "sgan.config",
    "preset": "sgan.config",
    "PRESETS": "sgan.config",
    "PROFILES": "sgan.profiles",
    "load_dataset": "sgan.data",
    "Generator": "sgan.generator",
    "Discriminator": "sgan.discriminator",
    "train": "sgan.training.loop",
    "load_generator": "sgan.training.checkpoint",
    "compute_metric": "sgan.metrics",
    "list_metrics": "sgan.metrics",
    "zoo": "sgan.studies.model_zoo",
    "zoo_entries": "sgan.studies.model_zoo",
    "zoo_provenance": "sgan.studies.model_zoo",
}

__all__ = sorted(_API)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _API:
        raise AttributeError(f"module 'sgan' has no attribute {name!r}")
    return getattr(import_module(_API[name]), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
