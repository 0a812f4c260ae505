"""Core package of the rule-of-law statistics dashboard: catalog, regions, periods, store, roll-up."""

__version__ = "0.1.0"
