"""The display: matplotlib figures (``plots``, ``figure1``), the course's widgets (``widgets``) and the
run timelapses (``timelapse``). It may import the model, training, metrics and data, never a study."""
