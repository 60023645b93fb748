"""The service catalog: typed records, loading and validation (see SCHEMA.md)."""
from knowledge.catalog.loader import CatalogError, ValidationError, load_catalog, validate_catalog
from knowledge.catalog.schema import (
    AUDIENCES,
    CATEGORIES,
    CHANNELS,
    Catalog,
    Entity,
    Fees,
    Service,
)

__all__ = [
    "AUDIENCES",
    "CATEGORIES",
    "CHANNELS",
    "Catalog",
    "CatalogError",
    "Entity",
    "Fees",
    "Service",
    "ValidationError",
    "load_catalog",
    "validate_catalog",
]
