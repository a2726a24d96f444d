"""Renderers: a Tour becomes a map script, GPX, card data, texts in a language."""
