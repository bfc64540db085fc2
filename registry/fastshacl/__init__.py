"""A fast SHACL Core engine for the subset of SHACL the registry's shapes use.

Driven by the shapes graph itself (targets, property shapes and constraint components are read
from it, not hard-coded); gives the same results as pySHACL; refuses shapes that use anything it
does not implement (``UnsupportedShapeError``). See ``validator.FastValidator``.
"""
from .shapes import UnsupportedShapeError, compile_shapes
from .validator import FastValidator, Outcome

__all__ = ["FastValidator", "Outcome", "UnsupportedShapeError", "compile_shapes"]
