"""Piccolo configuration module (PICCOLO_CONF points here): the engine follows DATABASE_URL.

`registry.db.schema.upgrade` sets DB to the engine in use before it migrates, so one process can switch
engines (tests do)."""

from piccolo.conf.apps import AppRegistry

from registry.db.engine import engine_from_url
from registry.settings import Settings

DB = engine_from_url(Settings.from_env().database_url)

APP_REGISTRY = AppRegistry(apps=["registry.piccolo_app"])
