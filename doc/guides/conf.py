# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The rte_vmap authors

# Sphinx configuration of the guides ("ninja -C build guides").

project = 'rte_vmap'
copyright = '2026, The rte_vmap authors'
author = 'The rte_vmap authors'
version = '0.1'
release = '0.1.0'

master_doc = 'index'
exclude_patterns = ['_build']
highlight_language = 'none'
numfig = True

try:
    import sphinx_rtd_theme  # noqa: F401
    html_theme = 'sphinx_rtd_theme'
except ImportError:
    html_theme = 'alabaster'
html_show_sourcelink = False
