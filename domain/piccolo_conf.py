"""Piccolo's configuration: the engine named by `DATABASE_URL` and Coso's one app."""

from piccolo.conf.apps import AppRegistry

from domain.db import engine_from_url
from domain.settings import get_settings

DB = engine_from_url(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=["domain.piccolo_app"])
