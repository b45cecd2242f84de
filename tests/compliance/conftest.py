"""The compliance tests use the console fixtures (site, context, signed-in clients)."""

from tests.api.conftest import client_as, ctx, site_path

__all__ = ["client_as", "ctx", "site_path"]
