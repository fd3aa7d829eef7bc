"""The read API for analysts' own tools (docs/api.md): Django REST framework views over
matrix.selectors, the same reads as the analysts' pages."""
