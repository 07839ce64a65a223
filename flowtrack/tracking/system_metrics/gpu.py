"""NVIDIA GPU metrics, through NVIDIA's management library (``pynvml``, from ``nvidia-ml-py``).

The monitor reads devices through :class:`GpuDeviceReader`, a four-method interface, so the
metric logic does not depend on NVML: :func:`open_nvml_reader` returns the NVML reader, or
``None`` when ``pynvml`` is not installed or finds no driver/GPU (then no GPU metric is logged).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Protocol

from flowtrack.tracking.system_metrics.base import MetricsMonitor

__all__ = ["GPUMonitor", "GpuDeviceReader", "NvmlDeviceReader", "open_nvml_reader"]

_logger = logging.getLogger(__name__)

_MEGABYTE = 1e6


class GpuDeviceReader(Protocol):
    """Reads the state of a machine's GPUs, numbered ``0 .. device_count() - 1``.

    Any method may raise (a device that does not support a reading): the monitor skips that
    reading and reports it once.
    """

    def device_count(self) -> int:
        """Return how many GPUs the machine has."""
        ...

    def memory_bytes(self, index: int) -> tuple[float, float]:
        """Return the device's ``(used, total)`` memory in bytes."""
        ...

    def utilization_percentage(self, index: int) -> float:
        """Return the percentage of the last sample period the device was busy."""
        ...

    def power_milliwatts(self, index: int) -> tuple[float, float]:
        """Return the device's ``(current draw, enforced power limit)`` in milliwatts."""
        ...


class NvmlDeviceReader:
    """:class:`GpuDeviceReader` over NVIDIA's management library.

    Args:
        nvml: The imported ``pynvml`` module, already initialised (``nvmlInit()``).
    """

    def __init__(self, nvml: Any) -> None:
        self._nvml = nvml
        count = int(nvml.nvmlDeviceGetCount())
        self._handles = [nvml.nvmlDeviceGetHandleByIndex(index) for index in range(count)]

    def device_count(self) -> int:
        """Return how many GPUs NVML sees."""
        return len(self._handles)

    def memory_bytes(self, index: int) -> tuple[float, float]:
        """Return the device's ``(used, total)`` memory in bytes."""
        memory = self._nvml.nvmlDeviceGetMemoryInfo(self._handles[index])
        return float(memory.used), float(memory.total)

    def utilization_percentage(self, index: int) -> float:
        """Return the device's recent utilisation (percent)."""
        return float(self._nvml.nvmlDeviceGetUtilizationRates(self._handles[index]).gpu)

    def power_milliwatts(self, index: int) -> tuple[float, float]:
        """Return the device's ``(draw, enforced limit)`` in milliwatts."""
        handle = self._handles[index]
        usage = self._nvml.nvmlDeviceGetPowerUsage(handle)
        limit = self._nvml.nvmlDeviceGetEnforcedPowerLimit(handle)
        return float(usage), float(limit)


def open_nvml_reader() -> NvmlDeviceReader | None:
    """Return a reader of this machine's NVIDIA GPUs, or ``None`` when there is none to read.

    Returns:
        The reader; ``None`` when ``pynvml`` is not importable (``pip install
        'flowtrack[gpu]'``), when NVML fails to initialise (no driver, no GPU), or when it
        reports no device.
    """
    try:
        nvml = importlib.import_module("pynvml")
    except ImportError:
        _logger.debug("No GPU metrics: pynvml is missing (pip install 'flowtrack[gpu]')")
        return None
    try:
        nvml.nvmlInit()
        reader = NvmlDeviceReader(nvml)
    except Exception as exc:  # NVMLError and its many subclasses: no usable GPU
        _logger.debug("No GPU metrics: NVML did not initialise: %s", exc)
        return None
    return reader if reader.device_count() else None


class GPUMonitor(MetricsMonitor):
    """Per device ``i``: ``gpu_<i>_utilization_percentage``, ``gpu_<i>_memory_usage_percentage``,
    ``gpu_<i>_memory_usage_megabytes``, ``gpu_<i>_power_usage_watts`` and
    ``gpu_<i>_power_usage_percentage`` (MLflow's names and units).

    A reading a device does not support is skipped (its metrics are absent) and reported once
    as a warning, not at every sample.

    Args:
        reader: Where the device readings come from (see :func:`open_nvml_reader`).
    """

    def __init__(self, reader: GpuDeviceReader) -> None:
        super().__init__()
        self._reader = reader
        self._devices = range(reader.device_count())
        self._reported: set[tuple[int, str]] = set()

    def collect_metrics(self) -> None:
        """Sample memory, utilisation and power of every device."""
        for index in self._devices:
            prefix = f"gpu_{index}_"
            try:
                used, total = self._reader.memory_bytes(index)
                percentage = used / total * 100
                self.add_sample(f"{prefix}memory_usage_percentage", percentage)
                self.add_sample(f"{prefix}memory_usage_megabytes", used / _MEGABYTE)
            except Exception as exc:
                self._report(index, "memory", exc)
            try:
                self.add_sample(
                    f"{prefix}utilization_percentage", self._reader.utilization_percentage(index)
                )
            except Exception as exc:
                self._report(index, "utilization", exc)
            try:
                draw, limit = self._reader.power_milliwatts(index)
                percentage = draw / limit * 100
                self.add_sample(f"{prefix}power_usage_watts", draw / 1000)
                self.add_sample(f"{prefix}power_usage_percentage", percentage)
            except Exception as exc:
                self._report(index, "power", exc)

    def _report(self, index: int, reading: str, exc: Exception) -> None:
        level = logging.DEBUG if (index, reading) in self._reported else logging.WARNING
        self._reported.add((index, reading))
        _logger.log(level, "Could not read the %s of GPU %d: %s", reading, index, exc)
