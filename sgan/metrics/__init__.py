"""The paper's metrics (FID, perceptual path length, linear separability) plus linear probes, by name.

    from sgan.metrics import compute_metric, list_metrics, metric_names_for
    result = compute_metric("fid2k", G, dataset)        # {"metric": "fid2k", "value": ..., ...}

Names carry their sample count (``registry.py``). Feature networks: the paper's pretrained Inception-v3 and
LPIPS-VGG16 when their weight files are on the machine (``pretrained.py``), else sgan's own domain network
(``domain_net.py``), which ships with the package: the 32² judge for 16² and 32² images, the 64² judge for 64²;
every result records which one it used (``feature_network``).
"""

from sgan.metrics.frechet import frechet_distance
from sgan.metrics.registry import (
    MetricSpec,
    UnknownMetricError,
    compute_metric,
    list_metrics,
    metric_name,
    metric_names_for,
    parse_metric_name,
)

__all__ = [
    "MetricSpec",
    "UnknownMetricError",
    "compute_metric",
    "frechet_distance",
    "list_metrics",
    "metric_name",
    "metric_names_for",
    "parse_metric_name",
]
