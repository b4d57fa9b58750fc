"""Coso's GraphQL API (strawberry): schema, types, loaders and mutations."""
