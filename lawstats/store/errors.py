"""The store's error a user can act on, below everything else in the store (the migrations
raise it too, without importing the store package's engine code)."""

from __future__ import annotations


class StoreError(RuntimeError):
    """A store operation failed for a reason a user can act on (message in Chinese and English)."""

    def __init__(self, message_zh: str, message_en: str):
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en
