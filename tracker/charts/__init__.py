"""Charts: the data the services read, turned into pictures.

``timescale`` maps dates to pixels and picks axis labels; ``timeline`` and ``lineage`` lay out
their charts in pixels; ``svg`` writes a layout out as SVG, and SVG as PNG. Charts import
services, never the reverse: which events a reader sees is decided before anything is drawn.
"""
