"""The type system: CI type descriptors loaded from synthetic.xml files (built-in and plugins)."""

from .model import PropertyKind, PropertyDescriptor, TypeDescriptor, MethodDescriptor
from .registry import TypeRegistry, TypeSystemError, load_registry

__all__ = ["PropertyKind", "PropertyDescriptor", "TypeDescriptor", "MethodDescriptor",
           "TypeRegistry", "TypeSystemError", "load_registry"]
