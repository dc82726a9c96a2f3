"""The drivers: one module per library, each implementing ``_base.DriverConnection``."""

from ._base import ConnectOptions as ConnectOptions
from ._base import Driver as Driver
from ._base import DriverConnection as DriverConnection
from ._base import Isolation as Isolation
from ._base import ParamStyle as ParamStyle
from ._registry import get_driver as get_driver

__all__ = ["ConnectOptions", "Driver", "DriverConnection", "Isolation", "ParamStyle", "get_driver"]
