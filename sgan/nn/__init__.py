"""Building blocks shared by the generator and the discriminator, one concept per module."""

from sgan.nn.equalized import LRELU_SLOPE, SQRT2, EqualizedConv2d, EqualizedLinear, lrelu
from sgan.nn.mbstd import MinibatchStdDev
from sgan.nn.norm import InstanceNorm, PixelNorm, instance_norm, pixel_norm
from sgan.nn.resample import (
    Blur,
    blur,
    blur_kernel,
    conv2d_downsample,
    downsample,
    upsample,
    upsample_conv2d,
)

__all__ = [
    "LRELU_SLOPE", "SQRT2", "Blur", "EqualizedConv2d", "EqualizedLinear", "InstanceNorm", "MinibatchStdDev",
    "PixelNorm", "blur", "blur_kernel", "conv2d_downsample", "downsample", "instance_norm", "lrelu",
    "pixel_norm", "upsample", "upsample_conv2d",
]
