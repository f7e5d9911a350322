"""com.xebialabs.deployit.plugin.api.udm.artifact: the artifact interfaces (defined in xl_udm)."""

from . import xl_udm as _udm

__all__ = list(_udm.ARTIFACT)
globals().update({name: getattr(_udm, name) for name in __all__})
