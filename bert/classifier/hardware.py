"""Whether this machine multiplies bf16 matrices in hardware made for it.

--fast asks for bf16 products where they are native: on a TPU, on NVIDIA GPUs
with bf16 tensor cores, and on CPUs with AVX-512 BF16 or AMX. Elsewhere
bf16 products are emulated in float32 arithmetic and are slower than fp32
ones (bench/: on an AMD EPYC with AVX2 only, a --fast step in bf16 ran at
0.8x the same step in fp32).
"""

import tensorflow as tf

CPUINFO = "/proc/cpuinfo"
# /proc/cpuinfo's flags of instructions that multiply bf16 matrices.
CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
# Ampere and later NVIDIA GPUs have bf16 tensor cores.
GPU_BF16_COMPUTE_CAPABILITY = (8, 0)


def cpu_flags(cpuinfo=CPUINFO):
    """The instruction-set flags the CPU reports (an empty set where the
    file is missing, as off Linux)."""
    try:
        with open(cpuinfo) as lines:
            for line in lines:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def gpu_compute_capabilities():
    """[(major, minor)] of the visible GPUs (none on a CPU-only machine)."""
    return [tuple(tf.config.experimental.get_device_details(gpu).get(
        "compute_capability", (0, 0)))
        for gpu in tf.config.list_physical_devices("GPU")]


def native_bf16(use_tpu, gpus=None, flags=None):
    """(whether bf16 products are native here, what decided it): on a TPU,
    on the GPUs if there are any (all must have bf16 tensor cores), else on
    the CPU. gpus and flags default to this machine's."""
    if use_tpu:
        return True, "a TPU"
    gpus = gpu_compute_capabilities() if gpus is None else gpus
    if gpus:
        native = all(gpu >= GPU_BF16_COMPUTE_CAPABILITY for gpu in gpus)
        return native, "GPUs of compute capability %s" % ", ".join(
            "%d.%d" % gpu for gpu in gpus)
    flags = cpu_flags() if flags is None else flags
    found = [flag for flag in CPU_BF16_FLAGS if flag in flags]
    if found:
        return True, "a CPU with %s" % " and ".join(found)
    return False, "a CPU without %s" % " or ".join(CPU_BF16_FLAGS)
