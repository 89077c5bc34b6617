"""Rendering results: the report view model and the text, Markdown, HTML, chart and diff renderers."""
