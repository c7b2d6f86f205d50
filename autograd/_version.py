"""chainrule's version, written once: pyproject.toml reads it (``[tool.setuptools.dynamic]``)
and ``autograd``, ``nn`` and ``viz`` give it as ``__version__``."""

__version__ = "0.1.0"
