"""The experiments built on the model: the ablation of configs A-F, the sweeps, the reference runs and their
tables, the course runner, the model zoo, the paper's figure 6 study, the notebooks' prose, the benchmarks.

A study may import the model, training, metrics, data and display; nothing below it imports a study."""
