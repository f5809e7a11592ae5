"""An IP address of a virtual machine: one entry of its ``ipv4`` or ``ipv6`` list."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from hostinger_api.models._base import HostingerModel


class VPSV1IPAddressIPAddressResource(HostingerModel):
    """An IP address and its PTR record (``VPS.V1.IPAddress.IPAddressResource``).

    ``address`` stays a string, as the service sends it: the spec's own example is not a valid
    address, and a client that refused one would lose the whole virtual machine.
    """

    id: Optional[int] = Field(default=None, description="IP address ID")
    address: Optional[str] = Field(default=None, description="IP address: IPv4 or IPv6")
    ptr: Optional[str] = Field(default=None, description="IP address PTR record")
