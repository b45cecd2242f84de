"""Compliance by construction: public notice, register of processing, report to the authority."""

from vigie.compliance.notice import Notice, build_notice
from vigie.compliance.processing import processing_register

__all__ = ["Notice", "build_notice", "processing_register"]
