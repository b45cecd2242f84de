"""Evaluation of analytics against ground truth: clips, counting, tracking and image sets."""
