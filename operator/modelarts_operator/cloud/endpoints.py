"""The base URL of the ModelArts API in each region.

Open Telekom Cloud serves ``modelarts.{region}.otc.t-systems.com``, Huawei Cloud's
European edition ``modelarts.{region}.myhuaweicloud.eu`` and Huawei Cloud
``modelarts.{region}.myhuaweicloud.com``. Private (Huawei Cloud Stack) deployments
have no derivable endpoint, so ``spec.endpoint`` names them.
"""

from __future__ import annotations

OPEN_TELEKOM_CLOUD_REGIONS = frozenset({"eu-de", "eu-nl", "eu-ch2"})
HUAWEI_CLOUD_EU_REGIONS = frozenset({"eu-west-101"})


def resolve_endpoint(region: str | None, endpoint: str | None) -> str:
    """Return the base URL without a trailing slash: ``endpoint`` if given, else the region's."""
    if endpoint:
        return endpoint.rstrip("/")
    if not region:
        raise ValueError("neither spec.region nor spec.endpoint is set: set one of them")
    if region in OPEN_TELEKOM_CLOUD_REGIONS:
        return f"https://modelarts.{region}.otc.t-systems.com"
    if region in HUAWEI_CLOUD_EU_REGIONS:
        return f"https://modelarts.{region}.myhuaweicloud.eu"
    return f"https://modelarts.{region}.myhuaweicloud.com"
