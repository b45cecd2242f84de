"""The embedded demo: the PETS 2009 campus scene, SQLite and local files, real alerts."""

from vigie.demo.media import VTEST_SHA256, obtain_vtest
from vigie.demo.run import demo_accounts, prepare_demo, summarise_demo

__all__ = ["VTEST_SHA256", "demo_accounts", "obtain_vtest", "prepare_demo", "summarise_demo"]
