"""Lever sandbox: a deterministic local simulator of Lever API v1 (see README.md)."""

from .sandbox import Sandbox

__all__ = ["Sandbox"]
