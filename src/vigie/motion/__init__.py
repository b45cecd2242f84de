"""Motion gating: background subtraction decides when and where the detector runs."""

from vigie.motion.gate import DetectionScheduler, MotionGate
from vigie.motion.mog2 import Mog2Motion

__all__ = ["DetectionScheduler", "MotionGate", "Mog2Motion"]
