"""The paper's training procedure and its infrastructure: the loop (``loop``), checkpoints and run
directories, the run lock, devices, data parallelism, parallel jobs, and the run's monitoring (the live view,
TensorBoard events).

Kept empty on purpose: ``sgan.config`` imports ``sgan.training.device``, and importing any submodule runs this
file first, so it must import nothing (``sgan.train`` is ``sgan.training.loop.train``)."""
