"""The environment variables that steer sgan, named in one place (each is read where its setting is used).

* ``SGAN_PROFILE``: the profile of a notebook or of the course without one given (``sgan.profiles``);
* ``SGAN_RUNS`` and ``SGAN_DATA``: the runs and data folders (``sgan.paths``);
* ``SGAN_DEVICE``: the device of a command or notebook without ``--device`` (``sgan.training.device``);
* ``SGAN_DEVICE_GUARD``: "1" makes the course's notebooks fail on a tensor on the wrong device
  (``sgan.studies.course``);
* ``SGAN_LIVE``: "1" / "0" forces the live training view on or off (``sgan.training.frontend``);
* ``SGAN_INCEPTION`` and ``SGAN_VGG16``: the paper's pretrained weight files (``sgan.metrics.pretrained``).
"""

PROFILE_ENV = "SGAN_PROFILE"
RUNS_ENV = "SGAN_RUNS"
DATA_ENV = "SGAN_DATA"
DEVICE_ENV = "SGAN_DEVICE"
DEVICE_GUARD_ENV = "SGAN_DEVICE_GUARD"
LIVE_ENV = "SGAN_LIVE"
INCEPTION_ENV = "SGAN_INCEPTION"
VGG16_ENV = "SGAN_VGG16"
