"""Estimated audio MOS from a simplified E-model (quality-model.md). Audio only, never video."""

from __future__ import annotations

import numpy as np


def estimate_mos(latency_ms: float, jitter_ms: float, loss_pct: float) -> tuple[float, float]:
    """Return (R factor, MOS) for one audio sample."""
    r, mos = mos_arrays(np.array([latency_ms], float), np.array([jitter_ms], float),
                        np.array([loss_pct], float))
    return float(r[0]), float(mos[0])


def mos_arrays(
    latency: np.ndarray, jitter: np.ndarray, loss: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised estimate; NaN anywhere in a sample gives NaN for it."""
    effective = latency + 2.0 * jitter + 10.0
    r = np.where(effective < 160.0, 93.2 - effective / 40.0, 93.2 - (effective - 120.0) / 10.0)
    r = r - 2.5 * loss
    mos = 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)
    mos = np.where(r < 0, 1.0, np.where(r > 100, 4.5, mos))
    return r, mos
